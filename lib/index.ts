export { QdrantDeployment } from "./qdrant-deployment";
export type { QdrantDeploymentProps } from "./qdrant-deployment";
export type { QdrantDeploymentInput, QdrantInputs } from "./inputs/schema";
export { qdrantInputSchema, snakeCase } from "./inputs/schema";
export { QdrantConfigError, resolveInputs } from "./inputs/validate";
export { PodSecurityAspect, PodSecurityViolation } from "./k8s/pod-security";
export { qdrantNames } from "./naming";
export type { QdrantNames } from "./naming";
