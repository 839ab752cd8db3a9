import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCP_STACK, buildGcpApp } from '../../examples/gcp/main';

// The example as `npm run synth` writes it: cdktf.out/stacks/<stack>/cdk.tf.json plus its assets.
describe('examples/gcp', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gcp-example-'));
  const stackDir = join(outdir, 'stacks', GCP_STACK);
  let config: { terraform: { backend: unknown; required_providers: Record<string, { source: string; version: string }> }; resource: Record<string, Record<string, Record<string, unknown>>> };
  beforeAll(() => {
    buildGcpApp(outdir).synth();
    config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('all four constructs, the Google provider pinned, state next to the stack', () => {
    expect(Object.keys(config.resource)).toEqual(expect.arrayContaining([
      'google_vertex_ai_endpoint', 'terraform_data', 'google_cloudfunctions2_function', 'google_billing_budget', 'google_container_node_pool', 'google_cloud_scheduler_job',
    ]));
    expect(config.terraform.required_providers.google).toEqual({ source: 'google', version: '6.50.0' });
    expect(config.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  test('a dashboard, a cost alert, and every alert policy notifies the on-call channel (AlertRouting)', () => {
    expect(Object.keys(config.resource.google_monitoring_dashboard)).toHaveLength(1);
    const channel = Object.keys(config.resource.google_monitoring_notification_channel).find((k) => k.startsWith('Oncall'))!;
    const policies = Object.values(config.resource.google_monitoring_alert_policy) as { display_name: string; notification_channels: string[] }[];
    expect(policies.some((p) => /cost per 1000 predictions/.test(p.display_name))).toBe(true);
    for (const p of policies) expect(p.notification_channels).toContain(`\${google_monitoring_notification_channel.${channel}.id}`);
  });

  test('every asset the stack names is in the stack folder, so terraform apply there needs nothing else', () => {
    const text = JSON.stringify(config);
    const paths = [...new Set([...text.matchAll(/assets\/[A-Za-z0-9_]+\/[0-9A-F]{32}\/[a-z.]+/g)].map((m) => m[0]))];
    expect(paths.length).toBeGreaterThanOrEqual(4);
    for (const p of paths) expect(existsSync(join(stackDir, p))).toBe(true);
    expect(existsSync(join(stackDir, paths.find((p) => p.endsWith('index.js'))!))).toBe(true);
  });
});
