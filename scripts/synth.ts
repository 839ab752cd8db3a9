/**
 * `npm run synth`: synthesizes every example into its target's output folder and prints what was produced.
 *   AWS (CloudFormation, cdk-nag checked)  -> cdk.out/
 *   Kubernetes (cdk8s YAML)               -> dist/k8s/, the multi-model platform -> dist/platform/k8s/
 *   Terraform (cdktf JSON: Google Cloud, Azure) -> cdktf.out/stacks/<stack>/cdk.tf.json
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BACKENDS } from './backends';

interface Row {
  target: string;
  file: string;
  objects: Record<string, number>;
}

const root = join(__dirname, '..');
const rows: Row[] = [];

function summarizeCloudFormation(outdir: string): void {
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.template.json')).sort()) {
    const template = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as { Resources?: Record<string, { Type: string }> };
    const objects: Record<string, number> = {};
    for (const r of Object.values(template.Resources ?? {})) objects[r.Type] = (objects[r.Type] ?? 0) + 1;
    rows.push({ target: 'aws', file: relative(root, join(outdir, file)), objects });
  }
}

function summarizeYaml(outdir: string, target: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Yaml } = require('cdk8s') as typeof import('cdk8s');
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort()) {
    const docs = Yaml.load(join(outdir, file)) as { kind?: string }[];
    const objects: Record<string, number> = {};
    for (const d of docs) if (d?.kind) objects[d.kind] = (objects[d.kind] ?? 0) + 1;
    rows.push({ target, file: relative(root, join(outdir, file)), objects });
  }
}

function summarizeTerraform(outdir: string, target: string, stacks: readonly string[]): void {
  for (const stack of stacks) {
    const file = join(outdir, 'stacks', stack, 'cdk.tf.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { resource?: Record<string, Record<string, unknown>>; data?: Record<string, Record<string, unknown>> };
    const objects: Record<string, number> = {};
    for (const [type, byName] of Object.entries(config.resource ?? {})) objects[type] = Object.keys(byName).length;
    for (const [type, byName] of Object.entries(config.data ?? {})) objects[`data.${type}`] = Object.keys(byName).length;
    rows.push({ target, file: relative(root, file), objects });
  }
}

function main(): void {
  const started = Date.now();
  // Every registered backend's example and platform (scripts/backends.json), in registry order.
  for (const { backend, example } of BACKENDS.flatMap((b) => [b.example, ...(b.platform ? [b.platform] : [])].map((example) => ({ backend: b, example })))) {
    const { main: mainFile, build, format, output } = example;
    if (!existsSync(join(root, mainFile))) continue;
    const outdir = join(root, output);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(root, mainFile)) as Record<string, (outdir: string) => unknown>;
    if (format === 'cloudformation') {
      // AWS: the example app registers cdk-nag; synth fails on any unacknowledged finding.
      (mod[build](outdir) as { synth(): void }).synth();
      summarizeCloudFormation(outdir);
    } else if (format === 'yaml') {
      mod[build](outdir);
      summarizeYaml(outdir, backend.id);
    } else {
      // cdktf: every example writes into the one cdktf.out/ (cdktf.json's "output"), one folder per stack.
      const app = mod[build](outdir) as { synth(): void; node: { children: { node: { id: string } }[] } };
      app.synth();
      summarizeTerraform(outdir, backend.id, app.node.children.map((c) => c.node.id).filter((id) => existsSync(join(outdir, 'stacks', id, 'cdk.tf.json'))));
    }
  }

  const header = ['target', 'output', 'objects', 'by type'];
  const table = rows.map((r) => [
    r.target,
    r.file,
    String(Object.values(r.objects).reduce((a, b) => a + b, 0)),
    Object.entries(r.objects).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k.replace(/^AWS::/, '')} x${v}`).join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.slice().map((r) => (i === 3 ? 0 : r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of table) console.log(line(r));
  console.log(`\nsynthesized ${rows.length} output file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
