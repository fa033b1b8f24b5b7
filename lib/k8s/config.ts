import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import type { QdrantInputs } from "../inputs/schema";
import { GRPC_PORT, HTTP_PORT, P2P_PORT, QdrantNames } from "../naming";
import { readableId } from "./readable-id";
import { tlsEnvironment } from "./tls";
import { supportsEnforceInternalAuth } from "../inputs/qdrant-version";

export const STORAGE_PATH = "/qdrant/storage";
export const SNAPSHOTS_PATH = "/qdrant/snapshots";
export const INIT_PATH = "/qdrant/init";

/**
 * Qdrant's settings as environment variables (QDRANT__SECTION__KEY maps to section.key of config.yaml;
 * test/k8s/config.test.ts checks every key against Qdrant's own config files). Secrets are not here.
 */
export function qdrantEnvironment(inputs: QdrantInputs, names: QdrantNames): Record<string, string> {
  const env: Record<string, string> = {
    QDRANT__SERVICE__HTTP_PORT: String(HTTP_PORT),
    QDRANT__SERVICE__GRPC_PORT: String(GRPC_PORT),
    QDRANT__SERVICE__ENABLE_TLS: "false",
    QDRANT__STORAGE__STORAGE_PATH: STORAGE_PATH,
    QDRANT__STORAGE__SNAPSHOTS_PATH: SNAPSHOTS_PATH,
    QDRANT__LOG_LEVEL: inputs.logLevel,
    QDRANT__LOGGER__FORMAT: inputs.logFormat,
    QDRANT__TELEMETRY_DISABLED: String(!inputs.telemetryEnabled),
    QDRANT__CLUSTER__ENABLED: String(names.clusterMode),
    // The image's entrypoint writes this marker; the root filesystem is read-only, so it lives on a volume.
    QDRANT_INIT_FILE_PATH: `${INIT_PATH}/.qdrant-initialized`,
  };
  if (names.clusterMode) env.QDRANT__CLUSTER__P2P__PORT = String(P2P_PORT);
  if (inputs.tls) Object.assign(env, tlsEnvironment());
  // Without this, the peer API (6335) answers anyone who can reach it, key or not.
  if (names.clusterMode && inputs.enableAuthentication && inputs.enforceInternalAuth && supportsEnforceInternalAuth(inputs.qdrantVersion)) {
    env.QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH = "true";
  }
  if (names.metricsPort !== undefined) env.QDRANT__SERVICE__METRICS_PORT = String(names.metricsPort);
  if (inputs.walCapacityMb !== undefined) env.QDRANT__STORAGE__WAL__WAL_CAPACITY_MB = String(inputs.walCapacityMb);
  if (inputs.maxRequestSizeMb !== undefined) env.QDRANT__SERVICE__MAX_REQUEST_SIZE_MB = String(inputs.maxRequestSizeMb);
  return env;
}

export interface QdrantConfigProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly idPrefix: string;
}

/** The ConfigMap Qdrant reads its settings from, and a checksum that rolls the pods when it changes. */
export class QdrantConfig extends Construct {
  readonly configMapName: string;
  /** sha256 of the settings; the pod template carries it as `checksum/config`. */
  readonly checksum: string;
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: QdrantConfigProps) {
    super(scope, id);
    this.environment = qdrantEnvironment(props.inputs, props.names);
    const sorted = Object.fromEntries(Object.entries(this.environment).sort(([a], [b]) => a.localeCompare(b)));
    this.checksum = createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
    const configMap = new ConfigMapV1(this, "resource", {
      metadata: { name: props.names.configMapName, namespace: props.namespace, labels: props.names.labels },
      data: sorted,
    });
    readableId(configMap, props.idPrefix, "config");
    this.configMapName = configMap.metadata.name;
  }
}
