export { QdrantDeployment } from "./qdrant-deployment";
export type { QdrantDeploymentOptions } from "./qdrant-deployment";
// The props, documented prop by prop (generated from the schema: lib/config/props.ts, collection-props.ts).
export type {
  QdrantAutoscalingSettings,
  QdrantDeploymentProps,
  QdrantMonitoringSettings,
  QdrantNetworkClient,
  QdrantPodSecuritySettings,
  QdrantResourceSettings,
  QdrantSizingSettings,
  QdrantTlsSettings,
  QdrantToleration,
} from "./config/props";
export type { QdrantCollection, QdrantHnswConfig, QdrantOptimizersConfig, QdrantPayloadIndex, QdrantQuantization } from "./config/collection-props";
export type { QdrantDeploymentInput, QdrantInputs } from "./config/schema";
export { qdrantInputSchema, snakeCase } from "./config/schema";
export { QdrantConfigError, resolveInputs } from "./config/validate";
export { estimateCapacity } from "./sizing/sizing";
export type { CapacityEstimate, CapacityInput } from "./sizing/sizing";
export { PodSecurityAspect, PodSecurityViolation } from "./core/pod-security";
export { qdrantNames } from "./core/naming";
export type { QdrantNames } from "./core/naming";
