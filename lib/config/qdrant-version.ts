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

/**
 * The latest patch of each minor release this project knows (tags of github.com/qdrant/qdrant up to v1.19.0).
 * Qdrant upgrades one minor version at a time, through the latest patch of every minor in between
 * (qdrant.tech/documentation/upgrades); the version guard names the next one from here.
 */
export const QDRANT_LATEST_PATCHES: Readonly<Record<string, string>> = {
  "1.13": "v1.13.6",
  "1.14": "v1.14.1",
  "1.15": "v1.15.5",
  "1.16": "v1.16.3",
  "1.17": "v1.17.1",
  "1.18": "v1.18.3",
  "1.19": "v1.19.0",
};
