// One synth lists every construct's problems, on every toolkit: constructs report them as construct
// validations (lib/errors.ts reportProblems -> node.addValidation) and the toolkit's own App.synth runs every
// validation of the tree before it writes anything, throwing one error with a "[<construct path>] <message>"
// line per construct. Checked against the toolkits' source, as installed here:
// - aws-cdk-lib 2.276.0 core/lib/private/synthesis.js: synthesize() calls validateTree(root) before
//   synthesizeTree; validateTree visits every construct, collects node.validate() and throws
//   "Validation failed with the following errors:\n  [path] message" (joined by "\n  ").
// - cdk8s 2.70.106 lib/app.js: App.synth() and synthYaml() call validate(app) first; validate() collects every
//   child's node.validate() as "[path] error" and throws "Validation failed with the following errors:\n  ...".
// - cdktf 0.21.0 lib/app.js + lib/synthesize/synthesizer.js: App.synth() runs each stack's synthesizer, which
//   calls stack.runAllValidations() (lib/terraform-stack.js) before writing the stack: every node's
//   node.validate(), "[path] message", stackValidationFailure "Validation failed with the following errors:".
import * as cdk from 'aws-cdk-lib';
import { Chart, Testing as Cdk8sTesting } from 'cdk8s';
import { Testing as CdktfTesting, TerraformStack } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { BudgetAction, ModelArtifact, ServingImage, SpecValidationError, collectSpecProblems } from '../../lib';
import * as aws from '../../constructs/aws';
import * as gcp from '../../constructs/gcp';
import * as azure from '../../constructs/azure';
import * as k8s from '../../constructs/k8s';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { endpointProps } from '../gcp/fixtures';
import { baseProps as k8sProps } from '../k8s/fixtures';
import { WEBHOOK_APP, endpoint as azureEndpoint } from '../azure/support/fixtures';

/** The error the toolkit's synth threw (it must throw). */
function synthError(synth: () => unknown): Error {
  try {
    synth();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected synth to fail');
}

/** The lines of the toolkit's error that start a construct's entry: "[path] Owner path has N invalid setting(s):". */
function constructLines(message: string): string[] {
  return message.split('\n').filter((l) => /^ {2}\[[^\]]+\] /.test(l)).map((l) => l.trim());
}

describe('one synth reports every construct\'s problems', () => {
  test('AWS CDK: App.synth lists the endpoint\'s and the budget guard\'s problems, each under its path', () => {
    // GIVEN an endpoint with a malformed instance type and, beside a valid endpoint, a budget of 0 USD
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const image = ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0');
    const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
    const metadata = { name: 'digits', version: '1.0.0', owner: 'ml' };
    // WHEN both are constructed: nothing throws yet
    new aws.ModelEndpoint(stack, 'Bad', { model, metadata, image, instanceType: 'c5.xlarge' });
    const good = new aws.ModelEndpoint(stack, 'Good', { model, metadata: { ...metadata, name: 'other' }, image, instanceType: 'ml.c5.xlarge' });
    new aws.BudgetGuard(stack, 'Budget', { endpoints: [good], budget: { monthlyLimitUsd: 0 } });
    // THEN one synth fails with both
    const message = synthError(() => app.synth()).message;
    expect(message).toMatch(/^Validation failed with the following errors:\n/);
    expect(constructLines(message)).toEqual([
      '[Test/Bad] ModelEndpoint Test/Bad has 1 invalid setting:',
      '[Test/Budget] BudgetGuard Test/Budget has 1 invalid setting:',
    ]);
    expect(message).toMatch(/instanceType: got "c5\.xlarge"; allowed: a SageMaker instance type/);
    expect(message).toMatch(/budget\.monthlyLimitUsd: got 0/);
    // AND the same problems as data, each with its construct path
    const error = collectSpecProblems(app);
    expect(error).toBeInstanceOf(SpecValidationError);
    expect(error!.problems.map((p) => [p.construct, p.field])).toEqual([['Test/Bad', 'instanceType'], ['Test/Budget', 'budget.monthlyLimitUsd']]);
    expect(error!.message).toMatch(/^The app \(2 constructs\) has 2 invalid settings:\n {2}1\. \[Test\/Bad\] instanceType: got "c5\.xlarge"/);
  });

  test('cdk8s: App.synth and synthYaml list the endpoint\'s and the budget guard\'s problems', () => {
    const app = Cdk8sTesting.app();
    const chart = new Chart(app, 'serving', { namespace: 'ml-serving' });
    new k8s.ModelEndpoint(chart, 'Bad', k8sProps({ endpointName: 'Digits_V2' }));
    new k8s.BudgetGuard(chart, 'Budget', { namespace: 'ml-serving', budget: { monthlyLimitUsd: 3000, action: BudgetAction.NOTIFY }, gpuPrices: [] });
    for (const synth of [() => app.synthYaml(), () => app.synth()]) {
      const message = synthError(synth).message;
      expect(message).toMatch(/^Validation failed with the following errors:\n/);
      expect(constructLines(message)).toEqual([
        '[serving/Bad] ModelEndpoint serving/Bad has 1 invalid setting:',
        '[serving/Budget] BudgetGuard serving/Budget has 1 invalid setting:',
      ]);
      expect(message).toMatch(/endpointName: got "Digits_V2"/);
      expect(message).toMatch(/gpuPrices: got \[\]/);
    }
  });

  test('cdktf (Google Cloud): App.synth lists the endpoint\'s and the budget guard\'s problems', () => {
    const app = CdktfTesting.app();
    const stack = new TerraformStack(app, 'serving');
    new GoogleProvider(stack, 'google', { project: 'acme-ml', region: 'europe-west4' });
    new gcp.ModelEndpoint(stack, 'Bad', endpointProps({ machineType: 'n1-standrd-4', accelerator: undefined }));
    const good = new gcp.ModelEndpoint(stack, 'Good', endpointProps({ metadata: { name: 'other', version: '1.0.0', owner: 'ml' } }));
    new gcp.BudgetGuard(stack, 'Budget', { endpoints: [good], budget: { monthlyLimitUsd: 1000 }, billingAccount: 'acme' });
    const message = synthError(() => app.synth()).message;
    expect(message).toMatch(/^Validation failed with the following errors:\n/);
    expect(constructLines(message)).toEqual([
      expect.stringMatching(/^\[serving\/Bad\] ModelEndpoint serving\/Bad has \d+ invalid settings?:$/),
      '[serving/Budget] BudgetGuard serving/Budget has 1 invalid setting:',
    ]);
    expect(message).toMatch(/machineType: got "n1-standrd-4"/);
    expect(message).toMatch(/billingAccount: got "acme"; allowed: a Cloud Billing account id/);
  });

  test('cdktf (Azure): App.synth lists the endpoint\'s and the budget guard\'s problems', () => {
    const app = CdktfTesting.app();
    const stack = new TerraformStack(app, 'serving');
    new AzurermProvider(stack, 'azurerm', { features: [{}], subscriptionId: '00000000-0000-0000-0000-000000000000', storageUseAzuread: true });
    azureEndpoint(stack, { location: 'west-europe' }, 'Bad');
    const good = azureEndpoint(stack, { endpointName: 'digits-good' }, 'Good');
    new azure.BudgetGuard(stack, 'Budget', { webhookApplication: WEBHOOK_APP, endpoints: [good], budget: { monthlyLimitUsd: -1 }, startDate: '2026-12-01' });
    const message = synthError(() => app.synth()).message;
    expect(message).toMatch(/^Validation failed with the following errors:\n/);
    expect(constructLines(message)).toEqual([
      '[serving/Bad] ModelEndpoint serving/Bad has 1 invalid setting:',
      '[serving/Budget] BudgetGuard serving/Budget has 1 invalid setting:',
    ]);
    expect(message).toMatch(/location: got "west-europe"; allowed: an Azure region name/);
    expect(message).toMatch(/budget\.monthlyLimitUsd: got -1/);
  });

  test('advice stays a warning: a valid app with warnings synthesizes', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    // An unsigned remote model is advice (no signature to check requests against), not a problem.
    const e = new aws.ModelEndpoint(stack, 'E', {
      model: ModelArtifact.fromUri('s3://acme-models/digits/model.onnx'), metadata: { name: 'digits', version: '1.0.0', owner: 'ml' },
      image: ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0'), instanceType: 'ml.c5.xlarge',
    });
    expect(e.warnings.length).toBeGreaterThan(0);
    expect(() => app.synth()).not.toThrow();
    expect(collectSpecProblems(app)).toBeUndefined();
  });
});
