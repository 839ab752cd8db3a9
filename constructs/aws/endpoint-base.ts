import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';

/** A SageMaker real-time endpoint, created here or imported. */
export interface IModelEndpoint extends cdk.IResource {
  /** @attribute */
  readonly endpointName: string;
  /** @attribute */
  readonly endpointArn: string;
  /** The production variant's name (stable across updates). */
  readonly variantName: string;
  /** Allows `grantee` to invoke this endpoint and nothing else. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** A metric of this endpoint's variant in `AWS/SageMaker` (or `/aws/sagemaker/Endpoints` for instance metrics). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** The latency metric of the backend contract (`ModelLatency`). */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Percent of invocations that answered 5XX, per period. */
  metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;
}

/** Metrics SageMaker publishes per invocation, in `AWS/SageMaker`. The rest are per instance. */
const INVOCATION_METRICS = new Set([
  'Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationModelErrors', 'ModelLatency',
  'OverheadLatency', 'InvocationsPerInstance', 'ModelSetupTime', 'ConcurrentRequestsPerModel',
]);

/** What created and imported endpoints share: grants and metrics. @internal */
export abstract class EndpointBase extends cdk.Resource implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  public abstract readonly variantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: INVOCATION_METRICS.has(metricName) ? 'AWS/SageMaker' : '/aws/sagemaker/Endpoints',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }
  /** Model latency in microseconds (SageMaker's unit), p99 unless you say otherwise. */
  /** The contract's latency metric: SageMaker's `ModelLatency` (microseconds, the model's own time). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricModelLatency(props);
  }
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('OverheadLatency', { statistic: 'p99', ...props });
  }
  /** Sum over the instance's cores: 0-100 per core. */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', { statistic: 'Average', ...props });
  }
  /** Sum over the instance's GPUs: 0-100 per GPU. */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('GPUUtilization', { statistic: 'Average', ...props });
  }
  public metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)',
      usingMetrics: { invocations: this.metricInvocations(), errors: this.metricInvocation5XXErrors() },
      label: `${this.endpointName} 5XX error rate (%)`,
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }
}

