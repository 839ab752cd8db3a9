import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ResolvedGateway } from '../../lib';
import { renderEnvironment } from '../../lib/backend';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { AUTHORIZER_ENV } from './gateway-authorizer/environment';

/**
 * The access-log record: `$context` variables only ("$context variables for access logging", API Gateway
 * developer guide). No body ($input), no header values, and the API key's id, never the key
 * (`$context.identity.apiKeyId`, not `$context.identity.apiKey`).
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatencyMs: '$context.integration.latency',
  apiKeyId: '$context.identity.apiKeyId',
  principalId: '$context.authorizer.principalId',
  authorizerError: '$context.authorizer.error',
  wafStatus: '$context.waf.status',
  errorType: '$context.error.responseType',
};

/** The gateway's log key: `logEncryptionKey`, or one with rotation, created once per gateway (access and authorizer logs). */
function gatewayLogKey(scope: Construct, name: string, key: kms.IKey | undefined): kms.IKey {
  if (key) return key;
  const existing = scope.node.tryFindChild('AccessLogKey');
  if (existing instanceof kms.Key) return existing;
  return new kms.Key(scope, 'AccessLogKey', {
    enableKeyRotation: true,
    description: `Logs of API Gateway REST API ${name} (access log, JWT authorizer)`,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });
}

/**
 * A log group encrypted with `encryptionKey`, whose key policy admits CloudWatch Logs for this group only
 * ("Encrypt log data in CloudWatch Logs using AWS KMS": the regional logs principal, and the log group through
 * the encryption context). The group needs a fixed name: its ARN in the key policy cannot be a reference to it.
 */
function encryptedLogGroup(scope: Construct, id: string, logGroupName: string, encryptionKey: kms.IKey, sid: string, warningId: string): logs.LogGroup {
  const stack = cdk.Stack.of(scope);
  const added = encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME }) } },
  }), true);
  if (!added.statementAdded) {
    cdk.Annotations.of(scope).addWarningV2(warningId, `logEncryptionKey is imported: allow logs.${stack.region}.amazonaws.com to use it for ${logGroupName} in its key policy, or the log group cannot be created`);
  }
  return new logs.LogGroup(scope, id, {
    logGroupName,
    encryptionKey,
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });
}

/** An encrypted log group for the stage's access logs; the key admits CloudWatch Logs for this group only. */
export function accessLogGroup(scope: Construct, name: string, key: kms.IKey | undefined): logs.LogGroup {
  return encryptedLogGroup(scope, 'AccessLogs', `/aws/apigateway/access/${name}`, gatewayLogKey(scope, name, key), 'CloudWatchLogsUseForAccessLogs', 'model-serving:accessLogKey');
}

/** The JWT authorizer function and its TOKEN authorizer; the function may only write its own logs (KMS-encrypted). */
export function jwtAuthorizer(scope: Construct, jwt: NonNullable<ResolvedGateway['jwt']>, routes: ResolvedGateway['routes'], name: string, cacheTtl: cdk.Duration,
  logKey: kms.IKey | undefined): { fn: lambda.Function; authorizer: apigw.TokenAuthorizer } {
  // Encrypted with the gateway's log key, like the access logs (the function logs decisions and error codes only).
  const logGroup = encryptedLogGroup(scope, 'AuthorizerLogs', `/aws/apigateway/authorizer/${name}`, gatewayLogKey(scope, name, logKey), 'CloudWatchLogsUseForAuthorizerLogs', 'model-serving:authorizerLogKey');
  const role = new iam.Role(scope, 'AuthorizerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `JWT authorizer of ${name}: writes its own logs, nothing else`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const fn = new lambda.Function(scope, 'AuthorizerFunction', {
    code: lambda.Code.fromAsset(handlerBundleDirectory('aws', 'gateway-authorizer')),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    role,
    logGroup,
    timeout: cdk.Duration.seconds(10),
    memorySize: 256,
    description: `Validates JWTs (issuer ${jwt.issuer}) for API Gateway REST API ${name}`,
    environment: renderEnvironment(AUTHORIZER_ENV, {
      issuer: jwt.issuer,
      audiences: jwt.audiences,
      jwksUri: jwt.jwksUri,
      algorithms: jwt.algorithms,
      modelsClaim: jwt.modelsClaim ?? null,
      routes: routes.map((r) => ({ model: r.model, path: r.path })),
    }),
  });
  const authorizer = new apigw.TokenAuthorizer(scope, 'Authorizer', {
    handler: fn,
    identitySource: apigw.IdentitySource.header('Authorization'),
    // Not shaped like "Bearer <JWT>": 401 from API Gateway without invoking the function.
    validationRegex: '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$',
    resultsCacheTtl: cacheTtl,
  });
  return { fn, authorizer };
}

/**
 * The per-key limit: a WAF rate-based rule counting requests per value of the API-key header over the last
 * 60 s, answering 429 above the limit. Sampled requests stay off: they would store the key header.
 */
export function perKeyRateLimit(scope: Construct, stage: apigw.Stage, header: string, perMinute: number, name: string): { webAcl: wafv2.CfnWebACL; association: wafv2.CfnWebACLAssociation } {
  const metric = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
  const webAcl = new wafv2.CfnWebACL(scope, 'RateLimit', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    description: `Per-API-key limit of ${name}: ${perMinute} requests per minute per ${header}`,
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${metric}-acl`, sampledRequestsEnabled: false },
    rules: [{
      name: 'PerApiKeyPerMinute',
      priority: 0,
      action: { block: { customResponse: { responseCode: 429 } } },
      statement: {
        rateBasedStatement: {
          limit: perMinute,
          evaluationWindowSec: 60,
          aggregateKeyType: 'CUSTOM_KEYS',
          customKeys: [{ header: { name: header, textTransformations: [{ priority: 0, type: 'NONE' }] } }],
        },
      },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${metric}-per-key`, sampledRequestsEnabled: false },
    }],
  });
  // The stage ARN refers to the stage (Ref), so the association waits for it.
  const association = new wafv2.CfnWebACLAssociation(scope, 'RateLimitAssociation', { resourceArn: stage.stageArn, webAclArn: webAcl.attrArn });
  return { webAcl, association };
}
