import { ServingImage } from '../../lib';
import { ModelEndpointProps } from '../../constructs/gcp';
import { ServingSpec } from '../../constructs/gcp/vertex/bodies';
import { model } from '../k8s/fixtures';
import { DeploymentPlan } from '../../constructs/gcp/vertex/plan';

export const PROJECT = 'acme-ml';
export const LOCATION = 'europe-west4';
export const ENDPOINT_ID = '4827163540';

export function servingSpec(overrides: Partial<ServingSpec> = {}): ServingSpec {
  return {
    displayName: 'fraud-classifier-3-1-0',
    description: 'fraud-classifier 3.1.0',
    labels: { 'model-name': 'fraud-classifier', 'model-version': '3-1-0', 'model-owner': 'risk-ml', 'managed-by': 'model-serving-constructs', 'serving-endpoint': ENDPOINT_ID },
    artifactUri: 'gs://acme-models/fraud-classifier/3.1.0/ab12cd34ef56/',
    imageUri: 'europe-west4-docker.pkg.dev/acme-ml/serving/model-server:2.0.0',
    port: 8080,
    predictRoute: '/predict',
    healthRoute: '/v2/health/ready',
    environment: { MODEL_SERVER_MODEL_NAME: 'fraud-classifier', MODEL_SERVER_MODEL_VERSION: '3.1.0' },
    deploymentTimeoutSeconds: 1800,
    startupProbe: { path: '/v2/health/ready', periodSeconds: 10, timeoutSeconds: 15, failureThreshold: 60 },
    healthProbe: { path: '/v2/health/ready', periodSeconds: 10, timeoutSeconds: 15, failureThreshold: 3 },
    machineType: 'g2-standard-8',
    acceleratorType: 'NVIDIA_L4',
    acceleratorCount: 1,
    minReplicas: 2,
    maxReplicas: 10,
    autoscaling: [
      { metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 70 },
      { metricName: 'aiplatform.googleapis.com/prediction/online/cpu/utilization', target: 90 },
    ],
    serviceAccount: 'fraud-classifier-serving@acme-ml.iam.gserviceaccount.com',
    enableAccessLogging: true,
    ...overrides,
  };
}

export function plan(overrides: Partial<DeploymentPlan> = {}, spec: Partial<ServingSpec> = {}): DeploymentPlan {
  return {
    project: PROJECT,
    location: LOCATION,
    endpointId: ENDPOINT_ID,
    spec: servingSpec(spec),
    uploadTimeoutSeconds: 1800,
    deployTimeoutSeconds: 3600,
    ...overrides,
  };
}

const IMAGE = 'europe-west4-docker.pkg.dev/acme-ml/serving/model-server:2.0.0';

/** The smallest valid Vertex AI endpoint. */
export function endpointProps(overrides: Partial<ModelEndpointProps> = {}): ModelEndpointProps {
  return {
    project: 'acme-ml',
    region: 'europe-west4',
    machineType: 'n1-standard-4',
    model,
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    image: ServingImage.fromRegistry(IMAGE),
    ...overrides,
  };
}

