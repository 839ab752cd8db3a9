// Each backend's ModelEndpoint refuses a top-level prop it does not have (issue 17: a JavaScript caller's typo such
// as `guardrail` was dropped silently). That is only safe while the prop-shape tables list every prop of the
// TypeScript interface: this test reads each backend's ModelEndpointProps with the TypeScript compiler API (the
// TypeScript 5 that jsii ships; the project's TypeScript 7 has no JavaScript API) and checks that no real prop is
// called unknown.
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Chart, Testing as Cdk8sTesting } from 'cdk8s';
import { App as TfApp, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import * as aws from '../../constructs/aws';
import * as azure from '../../constructs/azure';
import * as gcp from '../../constructs/gcp';
import * as k8s from '../../constructs/k8s';

/** The few members of the TypeScript 5/6 compiler API used here (the project's own `typescript` types are 7's, without it). */
interface TsNode { readonly name?: { readonly text: string } }
interface TsApi {
  readonly ScriptTarget: { readonly ES2022: number };
  readonly ModuleKind: { readonly CommonJS: number };
  createProgram(files: string[], options: Record<string, unknown>): {
    getTypeChecker(): { getTypeAtLocation(node: TsNode): unknown; getPropertiesOfType(type: unknown): { getName(): string }[] };
    getSourceFile(file: string): TsNode | undefined;
  };
  forEachChild(node: TsNode, visit: (child: TsNode) => void): void;
  isInterfaceDeclaration(node: TsNode): boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(join(__dirname, '..', '..', 'node_modules', 'jsii', 'node_modules', 'typescript')) as TsApi;
const ROOT = join(__dirname, '..', '..');

/** Every property of `ModelEndpointProps` in constructs/<backend>/model-endpoint.ts, inherited ones included. */
function interfaceProps(backend: string): string[] {
  const file = join(ROOT, 'constructs', backend, 'model-endpoint.ts');
  const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  let names: string[] | undefined;
  ts.forEachChild(source, (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name?.text === 'ModelEndpointProps') {
      names = checker.getPropertiesOfType(checker.getTypeAtLocation(node)).map((p) => p.getName());
    }
  });
  if (!names) throw new Error(`no ModelEndpointProps in ${file}`);
  return names.sort();
}

type Build = (props: Record<string, unknown>) => void;
const backends: Record<string, Build> = {
  aws: (props) => new aws.ModelEndpoint(new Stack(new App(), 'S'), 'E', props as never),
  gcp: (props) => new gcp.ModelEndpoint(new TerraformStack(new TfApp(), 's') as Construct, 'E', props as never),
  azure: (props) => new azure.ModelEndpoint(new TerraformStack(new TfApp(), 's') as Construct, 'E', props as never),
  k8s: (props) => new k8s.ModelEndpoint(new Chart(Cdk8sTesting.app(), 'c'), 'E', props as never),
};

/** The message the endpoint throws for `props` (every one here has a wrong shape, so each throws). */
function thrown(build: Build, props: Record<string, unknown>): string {
  try {
    build(props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the constructor to throw');
}

describe.each(Object.keys(backends))('%s ModelEndpoint', (backend) => {
  const names = interfaceProps(backend);

  test('its interface has the shared props and its own (read by the compiler API)', () => {
    expect(names).toEqual(expect.arrayContaining(['metadata', 'model', 'scaling', 'guardrails', 'server']));
    expect(names.length).toBeGreaterThan(10);
  });

  test('no prop of the interface is called unknown (each is in the shape table)', () => {
    // A symbol is no prop's kind: a prop in the table gets a shape problem, one missing from it the unknown-prop one.
    const message = thrown(backends[backend], Object.fromEntries(names.map((n) => [n, Symbol(n)])));
    const unknown = names.filter((n) => message.includes(`${n}: got a prop this construct does not have`));
    expect(unknown).toEqual([]);
  });

  test('a misspelt top-level prop is refused with the nearest one (guardrail, scalling)', () => {
    const message = thrown(backends[backend], { guardrail: { maxLatency: 1 }, scalling: { maxReplicas: 2 } });
    expect(message).toMatch(/guardrail: got a prop this construct does not have; allowed: the props of its ModelEndpointProps .*Fix: did you mean guardrails\?/);
    expect(message).toMatch(/scalling: got a prop this construct does not have; .*Fix: did you mean scaling\?/);
  });
});
