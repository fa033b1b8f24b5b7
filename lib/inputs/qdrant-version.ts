/** Qdrant features by release, from the version tag ("v1.19.0"). No cdktf here. */

function parts(version: string): number[] {
  return version.replace(/^v/, "").split(/[.-]/).slice(0, 3).map(Number);
}

export function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** service.alt_api_key: a second read-write key, for rotation without downtime (qdrant/qdrant#7835). */
export const supportsAltApiKey = (version: string) => atLeast(version, "1.17.0");
/** service.enforce_internal_auth: peers check the API key on the internal (6335) API too. */
export const supportsEnforceInternalAuth = (version: string) => atLeast(version, "1.19.0");
/** service.metrics_port: /metrics on its own port, without an API key (qdrant/qdrant#7838). */
export const supportsMetricsPort = (version: string) => atLeast(version, "1.17.0");
