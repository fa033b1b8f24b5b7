/** Qdrant features by release, from the version tag ("v1.19.0"). No cdktf here. */
import { isUnresolvedToken } from "./tokens";

/**
 * The oldest release the module stack accepts (its qdrant_version validation enforces it). A version that is a
 * Terraform variable is judged by this floor; features of later releases need a Terraform-side test.
 */
export const MODULE_MINIMUM_QDRANT_VERSION = "v1.17.0";

function parts(version: string): number[] {
  return version.replace(/^v/, "").split(/[.-]/).slice(0, 3).map(Number);
}

export function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [parts(isUnresolvedToken(version) ? MODULE_MINIMUM_QDRANT_VERSION : version), parts(minimum)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** service.alt_api_key: a second read-write key, for rotation without downtime (qdrant/qdrant#7835). */
export const supportsAltApiKey = (version: string) => atLeast(version, "1.17.0");
/** service.metrics_port: /metrics on its own port, without an API key (qdrant/qdrant#7838). */
export const supportsMetricsPort = (version: string) => atLeast(version, "1.17.0");
/** collection_active_replicas_min/max and collection_dead_replicas in /metrics (src/common/metrics.rs). */
export const supportsReplicaMetrics = (version: string) => atLeast(version, "1.16.0");
