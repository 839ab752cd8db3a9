import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  Duration,
  GatewayRouteInput,
  ModelGatewaySpec,
  NotSupported,
  ProblemCollector,
  ResolvedGateway,
  SpecResolver,
  SpecWarning,
  describe,
  isUnresolved,
  refusal,
  shapeProblems,
} from '../../lib';
import { IModelGatewayContract } from '../../lib/backend';
import { addIdWarnings } from '../../lib/internal/warnings';
import { SAGEMAKER_CAPABILITIES } from './capabilities';
import { buildGuardrailAlarms } from './endpoint-alarms';
import { accessLogGroup, ACCESS_LOG_FIELDS, jwtAuthorizer, perKeyRateLimit } from './gateway-parts';
import { methodResponses, sagemakerIntegration } from './gateway-integration';
import { ModelEndpoint } from './model-endpoint';

/** One route of a ModelGateway: a SageMaker ModelEndpoint under a path. */
export interface ModelGatewayRoute {
  /** The endpoint this route calls. */
  readonly endpoint: ModelEndpoint;
  /** Path prefix. @default `${basePath}/${endpoint.serving.metadata.name}` */
  readonly path?: string;
  /** Gateway response cache. Refused on AWS: API Gateway's cache cannot key on the body. @default false */
  readonly cache?: boolean;
}

export interface ModelGatewayProps extends ModelGatewaySpec {
  /** The models behind the gateway, one route each. */
  readonly routes: ModelGatewayRoute[];
  /** Name of the REST API (and CloudWatch's `ApiName` dimension). @default - unique in the stack, from the construct path */
  readonly gatewayName?: string;
  /** Stage name; the URL ends in it. @default 'prod' */
  readonly stageName?: string;
  /**
   * How long API Gateway reuses the JWT authorizer's answer for the same token (0 to 1 h). A token stays
   * accepted for up to this long after it expires or its key is withdrawn; Duration.seconds(0) verifies every request.
   * @default Duration.minutes(1)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Set the account's API Gateway CloudWatch Logs role (one per account and region, needed for access logs;
   * AWS::ApiGateway::Account, kept when the stack is deleted). Turn off where the account already has one.
   * @default true where access logs are on
   */
  readonly accountLoggingRole?: boolean;
  /** KMS key of the access log group. @default - a key with rotation enabled */
  readonly logEncryptionKey?: kms.IKey;
}

/** API Gateway ends an integration after 29 s unless the account's quota is raised ("Amazon API Gateway quotas"). */
const INTEGRATION_TIMEOUT_S = 29;
const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One front door for several SageMaker ModelEndpoints: an Amazon API Gateway REST API (regional).
 *
 * **Route contract** (the same on every backend): a client sends `POST <url><route.path>/infer` with an Open
 * Inference Protocol JSON body (the bundled server's `/v2/models/<model>/infer` body, `Content-Type:
 * application/json`) and gets the model's OIP answer. API Gateway can only call SageMaker's InvokeEndpoint,
 * so each route is an AWS service integration to `runtime.sagemaker` `endpoints/<name>/invocations`; SageMaker
 * passes the body to the container's `POST /invocations`, where the server answers an OIP body exactly as on
 * `/v2/models/<model>/infer` (runtime/src/http/sagemaker.ts, answerAny -> answerOip). The server's own error
 * status and body come back through ModelError (OriginalStatusCode, OriginalMessage).
 *
 * **Identity**: API Gateway signs InvokeEndpoint with the gateway's own role, which may only
 * `sagemaker:InvokeEndpoint` the routed endpoints. No static secret.
 *
 * **Auth**: `jwt` is a Lambda TOKEN authorizer (REST APIs validate JWTs natively only for Cognito user pools;
 * HTTP APIs have JWT authorizers but no API keys, usage plans or WAF): `Authorization: Bearer <JWT>`, checked
 * against the JWKS, issuer, audiences and algorithms; answers cached per token for `authorizerCacheTtl`.
 * With `jwt.modelsClaim`, the authorizer's policy allows only the routes of the models the claim lists (403
 * elsewhere; a token without the claim gets 403 everywhere), which holds for the cached answer too.
 * `apiKeys`: API Gateway API keys in the `x-api-key` header (apiKeyRequired; keys from `addApiKey`, in this
 * gateway's usage plan) and the per-key limit in an AWS WAF rate-based rule on the stage: requests per value
 * of the key header over the last 60 s, 429 above the limit. WAF checks the rate every few seconds and
 * applies the limit "near" the setting, not exactly (a SpecWarning says so); usage-plan throttles are
 * per-second token buckets and cannot express a per-minute budget.
 *
 * **Limits**: 6 MB per request (SageMaker InvokeEndpoint; API Gateway itself answers 413 above 10 MB; a body
 * between the two is refused by SageMaker's validation and passed on as 400 or 413). No gateway cache (the
 * stage cache cannot key on the body: cache at the server). 29 s per request.
 *
 * **Observability**: access logs ($context fields only: no bodies, no keys, no tokens) in a KMS-encrypted log
 * group; alarms on the stage's 5XXError/Count (percent) and Latency at the guardrails' percentile, with no
 * actions of their own, routed like every other alarm of the stack by AlertRouting.
 */
export class ModelGateway extends Construct
  implements IModelGatewayContract<iam.IGrantable, iam.Grant, cloudwatch.Metric, cloudwatch.Alarm, cloudwatch.IAlarmAction> {
  public readonly gatewayName: string;
  /** `https://<api>.execute-api.<region>.<suffix>/<stage>`; a route answers at `${url}${path}/infer`. */
  public readonly url: string;
  public readonly gateway: ResolvedGateway;
  public readonly warnings: readonly SpecWarning[];
  public readonly restApi: apigw.RestApi;
  /** The role API Gateway calls SageMaker with: InvokeEndpoint on the routed endpoints only. */
  public readonly integrationRole: iam.Role;
  /** The usage plan API keys join (`apiKeys`). */
  public readonly usagePlan?: apigw.UsagePlan;
  /** The WAF web ACL holding the per-key rule (`apiKeys`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The JWT authorizer's function (`jwt`). */
  public readonly authorizerFunction?: lambda.Function;
  public readonly accessLogGroup?: logs.LogGroup;
  public readonly errorRateAlarm: cloudwatch.Alarm;
  public readonly latencyAlarm: cloudwatch.Alarm;
  /** Callers authenticate with JWTs and API keys, not IAM: there is no IAM permission to grant. */
  public readonly grantInvoke = NotSupported.because(SAGEMAKER_CAPABILITIES.backend, 'the gateway authorizes callers by JWT and API key, not by IAM (no execute-api:Invoke grant applies): give callers tokens from your issuer and keys from addApiKey');
  /** As on ModelEndpoint: the alarms carry no actions; route them with AlertRouting. */
  public readonly alarmTargets = NotSupported.because(SAGEMAKER_CAPABILITIES.backend, 'the gateway takes no alarm-action prop: add actions to its alarms (errorRateAlarm.addAlarmAction(new SnsAction(topic)), latencyAlarm likewise) or route every alarm of the stack at once with AlertRouting (new AlertRouting(stack, \'Alerts\', { alertTarget: topic }))');

  constructor(scope: Construct, id: string, props: ModelGatewayProps) {
    super(scope, id);
    const owner = `ModelGateway ${this.node.path}`;
    // JavaScript callers: shapes first (a route without a ModelEndpoint cannot be resolved).
    const shapes = new ProblemCollector();
    shapes.addAll(shapeProblems(props, [{ field: 'routes', kind: 'object', array: true, required: true, example: '{ endpoint }' }]));
    if (Array.isArray(props?.routes)) {
      props.routes.forEach((r, i) => shapes.addAll(shapeProblems({ endpoint: (r as Partial<ModelGatewayRoute> | undefined)?.endpoint }, [{ field: 'endpoint', kind: ModelEndpoint, required: true, example: "new ModelEndpoint(stack, 'Fraud', { ... })" }])
        .map((p) => ({ ...p, field: `routes[${i}].${p.field}` }))));
    }
    shapes.throwIfAny(owner);
    const problems = new ProblemCollector();
    this.gatewayName = props.gatewayName ?? cdk.Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }).replace(/[^A-Za-z0-9_-]/g, '-');
    const stageName = props.stageName ?? 'prod';
    const cacheTtl = this.checkOwnProps(props, stageName, problems);
    const routes: GatewayRouteInput[] = props.routes.map((r) => ({ model: r.endpoint.serving.metadata.name, path: r.path, cache: r.cache }));
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    const resolution = SpecResolver.gateway(props, routes, SAGEMAKER_CAPABILITIES);
    this.gateway = resolution.throwIfInvalid(owner, problems);
    this.warnings = [...resolution.warnings, ...this.ownWarnings(props)];
    addIdWarnings(cdk.Annotations.of(this), this.warnings);
    const g = this.gateway;

    const accessLogs = g.accessLogs ? accessLogGroup(this, this.gatewayName, props.logEncryptionKey) : undefined;
    this.accessLogGroup = accessLogs;
    const accountRole = accessLogs !== undefined && (props.accountLoggingRole ?? true);
    this.restApi = new apigw.RestApi(this, 'Resource', {
      restApiName: this.gatewayName,
      description: `Model gateway: ${g.routes.map((r) => `${r.path} -> ${r.model}`).join(', ')}`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      cloudWatchRole: accountRole,
      cloudWatchRoleRemovalPolicy: accountRole ? cdk.RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName,
        // Execution logs off (at INFO with data tracing they would hold bodies and headers).
        loggingLevel: apigw.MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        accessLogDestination: accessLogs ? new apigw.LogGroupLogDestination(accessLogs) : undefined,
        accessLogFormat: accessLogs ? apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)) : undefined,
      },
    });
    const stack = cdk.Stack.of(this);
    this.url = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;

    this.integrationRole = this.createIntegrationRole(props.routes);
    const authorizer = g.jwt ? this.createAuthorizer(g.jwt, cacheTtl) : undefined;
    this.addRoutes(props.routes, authorizer);

    if (g.apiKeys) {
      this.usagePlan = this.restApi.addUsagePlan('UsagePlan', {
        name: `${this.gatewayName}-keys`,
        description: `API keys of ${this.gatewayName}; the per-key limit (${g.apiKeys.requestsPerMinute}/min) is the WAF rule on the stage`,
        apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
      });
      this.webAcl = perKeyRateLimit(this, this.restApi.deploymentStage, g.apiKeys.header, g.apiKeys.requestsPerMinute, this.gatewayName).webAcl;
    }

    const alarms = this.createAlarms();
    this.errorRateAlarm = alarms.errorRateAlarm;
    this.latencyAlarm = alarms.latencyAlarm;
  }

  /** An API key in this gateway's usage plan (its value is generated by API Gateway, never in the template). */
  public addApiKey(id: string, options: { readonly apiKeyName?: string; readonly description?: string } = {}): apigw.IApiKey {
    if (!this.usagePlan) {
      const problems = new ProblemCollector();
      problems.add({ field: 'apiKeys', given: 'no apiKeys on this gateway', allowed: 'addApiKey on a gateway with apiKeys', fix: 'set apiKeys: { requestsPerMinute: 100 } on the ModelGateway' });
      problems.throwIfAny(`ModelGateway ${this.node.path}`);
    }
    const key = new apigw.ApiKey(this, id, { apiKeyName: options.apiKeyName, description: options.description });
    this.usagePlan!.addApiKey(key);
    return key;
  }

  /** A metric of this gateway's stage in `AWS/ApiGateway` (dimensions ApiName, Stage). */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: this.gatewayName, Stage: this.restApi.deploymentStage.stageName },
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }

  /** The contract's latency metric: API Gateway's `Latency` (milliseconds, end to end), p99 unless you say otherwise. */
  public metricLatency = (props?: cloudwatch.MetricOptions): cloudwatch.Metric => this.metric('Latency', { statistic: 'p99', ...props });

  /** Percent of requests answered 5XX, per period. */
  public metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
      usingMetrics: { requests: this.metric('Count', { statistic: 'Sum' }), errors: this.metric('5XXError', { statistic: 'Sum' }) },
      label: `${this.gatewayName} 5XX error rate (%)`,
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }

  private checkOwnProps(props: ModelGatewayProps, stageName: string, problems: ProblemCollector): cdk.Duration {
    if (props.gatewayName !== undefined && !isUnresolved(props.gatewayName) && !NAME.test(props.gatewayName)) {
      problems.add({ field: 'gatewayName', given: describe(props.gatewayName), allowed: '1 to 128 letters, digits, "_" and "-"', fix: 'e.g. "models-prod"' });
    }
    if (!isUnresolved(stageName) && !NAME.test(stageName)) {
      problems.add({ field: 'stageName', given: describe(stageName), allowed: '1 to 128 letters, digits, "_" and "-" (API Gateway stage names)', fix: 'e.g. "prod"' });
    }
    const ttl = props.authorizerCacheTtl ?? Duration.minutes(1);
    const s = ttl.toSeconds();
    if (!isUnresolved(s) && (!Number.isInteger(s) || s < 0 || s > 3600)) {
      problems.add({ field: 'authorizerCacheTtl', given: ttl.toString(), allowed: 'whole seconds from 0 to 3600 (API Gateway\'s authorizer result cache)', fix: 'e.g. Duration.minutes(1), or Duration.seconds(0) to verify every request' });
    }
    const header = props.apiKeys?.header;
    if (header !== undefined && header !== 'x-api-key') {
      problems.add(refusal(SAGEMAKER_CAPABILITIES, 'apiKeys.header', describe(header), '"x-api-key": API Gateway reads API keys from the X-API-Key header only (apiKeySource HEADER; AUTHORIZER would need the authorizer to hand the key over)',
        'leave header unset (x-api-key)'));
    }
    const size = props.maxRequestBodySize?.toBytes();
    const platformMax = SAGEMAKER_CAPABILITIES.gateway?.maxRequestBodyBytes;
    if (size !== undefined && platformMax !== undefined && !isUnresolved(size) && size < platformMax) {
      problems.add(refusal(SAGEMAKER_CAPABILITIES, 'maxRequestBodySize', `${size} bytes`, `exactly ${platformMax} bytes: API Gateway REST has no settable body limit (10 MB, fixed) and InvokeEndpoint takes at most ${platformMax}`,
        'leave maxRequestBodySize unset, and lower the endpoints\' server.maxRequestBodySize instead: the server answers 413 and the gateway passes it on'));
    }
    return cdk.Duration.seconds(isUnresolved(s) ? 60 : Math.max(0, Math.round(s)));
  }

  private ownWarnings(props: ModelGatewayProps): SpecWarning[] {
    const out: SpecWarning[] = [];
    if (props.apiKeys) {
      out.push({ field: 'apiKeys.requestsPerMinute', message: 'AWS WAF enforces the per-key limit with a rate-based rule over the last 60 s, checked every few seconds: it blocks near the limit, not exactly at it (a key may get a few requests more, and the block lifts when the 60 s count falls below the limit). Usage-plan throttles (per-second token buckets) are not used.' });
    }
    for (const [i, r] of props.routes.entries()) {
      if (r.endpoint.serving.requestTimeout.toSeconds() > INTEGRATION_TIMEOUT_S) {
        out.push({ field: `routes[${i}].endpoint`, message: `the endpoint allows ${r.endpoint.serving.requestTimeout.toString()} per request, but API Gateway ends an integration after ${INTEGRATION_TIMEOUT_S} s (504) unless the account's integration-timeout quota is raised.` });
      }
    }
    return out;
  }

  private createIntegrationRole(routes: readonly ModelGatewayRoute[]): iam.Role {
    const role = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway ${this.gatewayName}: may only invoke its routed SageMaker endpoints`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'InvokeRoutedEndpoints',
      actions: ['sagemaker:InvokeEndpoint'],
      resources: [...new Set(routes.map((r) => r.endpoint.endpointArn))],
    }));
    return role;
  }

  private createAuthorizer(jwt: NonNullable<ResolvedGateway['jwt']>, cacheTtl: cdk.Duration): apigw.TokenAuthorizer {
    const { fn, authorizer } = jwtAuthorizer(this, jwt, this.gateway.routes, this.gatewayName, cacheTtl);
    (this as { authorizerFunction?: lambda.Function }).authorizerFunction = fn;
    return authorizer;
  }

  private addRoutes(routes: readonly ModelGatewayRoute[], authorizer: apigw.TokenAuthorizer | undefined): void {
    for (const [i, route] of this.gateway.routes.entries()) {
      const resource = this.restApi.root.resourceForPath(route.path.replace(/^\//, '')).addResource('infer');
      resource.addMethod('POST', sagemakerIntegration(routes[i].endpoint, this.integrationRole), {
        apiKeyRequired: this.gateway.apiKeys !== undefined,
        authorizer,
        authorizationType: authorizer ? apigw.AuthorizationType.CUSTOM : apigw.AuthorizationType.NONE,
        methodResponses: methodResponses(),
      });
    }
  }

  private createAlarms(): { errorRateAlarm: cloudwatch.Alarm; latencyAlarm: cloudwatch.Alarm } {
    const g = this.gateway.guardrails;
    const period = cdk.Duration.seconds(g.evaluationPeriod.toSeconds());
    return buildGuardrailAlarms(this, g, {
      errorRate: this.metricErrorRate({ period }),
      latency: this.metricLatency({ period, statistic: g.latencyPercentile.name }),
      errorRateDescription: `More than ${g.maxErrorRatePercent}% of requests to gateway ${this.gatewayName} answered 5XX`,
      latencyDescription: `${g.latencyPercentile.name} Latency of gateway ${this.gatewayName} above ${g.maxLatency.toString()}`,
      ids: ['ErrorRateAlarm', 'LatencyAlarm'],
      latencyUnitsPerMillisecond: 1,
    });
  }
}
