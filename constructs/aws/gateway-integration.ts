import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ModelEndpoint } from './model-endpoint';

/*
 * One route's hop from API Gateway to SageMaker: an AWS service integration calling InvokeEndpoint
 * (`POST runtime.sagemaker/endpoints/<name>/invocations`, the path aws-cdk-lib's own SagemakerIntegration
 * uses; the operation in botocore's sagemaker-runtime service-2.json), signed with the gateway's role. SageMaker
 * hands the body to the container's `POST /invocations` (runtime/src/http/sagemaker.ts), where an Open
 * Inference Protocol body is answered by the same code as `/v2/models/<model>/infer` (answerAny -> answerOip).
 *
 * Answers: SageMaker's InvokeEndpoint errors (botocore sagemaker-runtime: ValidationError 400, ModelError 424,
 * ModelNotReadyException 429, InternalFailure 500, ServiceUnavailable 503, InternalDependencyException 530).
 * ModelError wraps the container's own answer (OriginalStatusCode, OriginalMessage): the gateway gives the
 * client the server's status and body back, so a 400/413/429 from the server reaches the client unchanged.
 */

/** Integration response selection patterns (matched against SageMaker's HTTP status) and what the client gets. */
export const INTEGRATION_STATUS = {
  ok: { pattern: '2\\d{2}', status: '200' },
  /** The container's own error: status and body restored from ModelError by the template below. */
  modelError: { pattern: '424', status: '502' },
  validation: { pattern: '400', status: '400' },
  /** InvokeEndpoint's own body limit ("HTTP content length exceeded", 413: aws/sagemaker-python-sdk#171). */
  tooLarge: { pattern: '413', status: '413' },
  notReady: { pattern: '429', status: '429' },
  /** Everything else (403 on a broken grant, 5xx from SageMaker): 502, SageMaker's message as the body. */
  other: { status: '502' },
} as const;

/**
 * VTL for ModelError: the container's status (`$context.responseOverride.status`, "Override your API's request
 * and response parameters and status codes", API Gateway developer guide) and its body (OriginalMessage).
 */
export const MODEL_ERROR_TEMPLATE = [
  "#set($original = $input.path('$.OriginalStatusCode'))",
  '#if($original != "")#set($context.responseOverride.status = $original)#end',
  "$input.path('$.OriginalMessage')",
].join('\n');

export function sagemakerIntegration(endpoint: ModelEndpoint, role: iam.IRole): apigw.AwsIntegration {
  const s = INTEGRATION_STATUS;
  return new apigw.AwsIntegration({
    service: 'runtime.sagemaker',
    path: `endpoints/${endpoint.endpointName}/invocations`,
    integrationHttpMethod: 'POST',
    options: {
      credentialsRole: role,
      // JSON only (the OIP body): another content type is answered 415 by API Gateway, never forwarded.
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '$input.body' },
      requestParameters: {
        'integration.request.header.Content-Type': "'application/json'",
        'integration.request.header.Accept': "'application/json'",
      },
      integrationResponses: [
        { selectionPattern: s.ok.pattern, statusCode: s.ok.status },
        { selectionPattern: s.modelError.pattern, statusCode: s.modelError.status, responseTemplates: { 'application/json': MODEL_ERROR_TEMPLATE } },
        { selectionPattern: s.validation.pattern, statusCode: s.validation.status },
        { selectionPattern: s.tooLarge.pattern, statusCode: s.tooLarge.status },
        { selectionPattern: s.notReady.pattern, statusCode: s.notReady.status },
        { statusCode: s.other.status },
      ],
    },
  });
}

/** The method responses matching the integration responses. */
export function methodResponses(): apigw.MethodResponse[] {
  const statuses = new Set<string>(Object.values(INTEGRATION_STATUS).map((v) => v.status));
  return [...statuses].map((statusCode) => ({ statusCode }));
}
