import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import type { QdrantInputs } from "../config/schema";
import { GRPC_PORT, HTTP_PORT, P2P_PORT, QdrantNames } from "./naming";
import { tlsEnvironment } from "./tls";
import { defaultReplicationFactor } from "../collections/collection-requests";
import { atLeast as supportsAtLeast } from "../config/qdrant-version";
import { isUnresolvedToken } from "../config/tokens";
import { and, choose, Condition, conditionOf, conditionText, isDecided, isSet, not } from "../terraform/conditional";
import { Fn, Op, Token } from "cdktf";

export const STORAGE_PATH = "/qdrant/storage";
export const SNAPSHOTS_PATH = "/qdrant/snapshots";
export const INIT_PATH = "/qdrant/init";
/** service.enforce_internal_auth: peers check the API key on the peer API (6335). */
export const INTERNAL_AUTH_SINCE = "1.18.0";

/** Environment entries that apply when `when` holds (a literal, or a Terraform condition in the module stack). */
export interface EnvironmentPart {
  readonly when: Condition;
  readonly values: Record<string, string>;
}

/** A Terraform-side test of the version tag ("v1.19.0" >= min), for the module stack's qdrant_version variable. */
function versionAtLeast(version: string, minimum: string): Condition {
  if (!isUnresolvedToken(version)) return supportsAtLeast(version, minimum);
  const [major, minor] = minimum.split(".").map(Number);
  const part = (i: number) => Fn.tonumber(Fn.element(Fn.split(".", Fn.trimprefix(version, "v")), i));
  return Op.gte(Op.add(Op.mul(part(0), 1000), part(1)), major * 1000 + minor);
}

/** Peers check each other's key (cluster mode, authentication on, enforceInternalAuth, Qdrant >= v1.18). */
export function internalAuthEnforced(inputs: QdrantInputs, names: QdrantNames): Condition {
  return and(names.clusterMode, conditionOf(inputs.enableAuthentication), conditionOf(inputs.enforceInternalAuth), versionAtLeast(inputs.qdrantVersion, INTERNAL_AUTH_SINCE));
}

/** A number as text; Token.asString for a Terraform number (String() of one does not survive inside an expression). */
function numberText(value: number | undefined): string {
  return isUnresolvedToken(value) ? Token.asString(Fn.tostring(value)) : String(value);
}

/**
 * Qdrant's settings as environment variables (QDRANT__SECTION__KEY maps to section.key of config.yaml;
 * test/core/qdrant-config.test.ts checks every key against Qdrant's own config files). Secrets are not here.
 */
export function qdrantEnvironmentParts(inputs: QdrantInputs, names: QdrantNames): EnvironmentPart[] {
  const base: Record<string, string> = {
    QDRANT__SERVICE__HTTP_PORT: String(HTTP_PORT),
    QDRANT__SERVICE__GRPC_PORT: String(GRPC_PORT),
    QDRANT__SERVICE__ENABLE_TLS: "false",
    QDRANT__STORAGE__STORAGE_PATH: STORAGE_PATH,
    QDRANT__STORAGE__SNAPSHOTS_PATH: SNAPSHOTS_PATH,
    QDRANT__LOG_LEVEL: inputs.logLevel,
    QDRANT__LOGGER__FORMAT: inputs.logFormat,
    QDRANT__TELEMETRY_DISABLED: conditionText(not(conditionOf(inputs.telemetryEnabled))),
    QDRANT__CLUSTER__ENABLED: String(names.clusterMode),
    // The image's entrypoint writes this marker; the root filesystem is read-only, so it lives on a volume.
    QDRANT_INIT_FILE_PATH: `${INIT_PATH}/.qdrant-initialized`,
  };
  if (names.clusterMode) {
    base.QDRANT__CLUSTER__P2P__PORT = String(P2P_PORT);
    // A collection a client creates without replication_factor: two copies where there are peers for them, as for
    // declared ones (Qdrant's own default, storage.collection.replication_factor, is 1: every rolling restart would
    // take the restarting peer's shards offline, and a lost volume their data).
    base.QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR = numberText(
      isUnresolvedToken(inputs.replicas) ? Fn.min([2, inputs.replicas]) : defaultReplicationFactor(inputs.replicas),
    );
  }
  if (inputs.tls) Object.assign(base, tlsEnvironment(inputs.tls, names.clusterMode));
  if (names.metricsPort !== undefined) base.QDRANT__SERVICE__METRICS_PORT = numberText(names.metricsPort);
  return [
    { when: true, values: base },
    // Without this, the peer API (6335) answers anyone who can reach it, key or not. The setting exists since
    // v1.18.0 (default off; src/tonic/mod.rs), when peers also started sending their api_key on internal requests.
    {
      when: internalAuthEnforced(inputs, names),
      values: { QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH: "true" },
    },
    { when: isSet(inputs.walCapacityMb), values: { QDRANT__STORAGE__WAL__WAL_CAPACITY_MB: numberText(inputs.walCapacityMb) } },
    { when: isSet(inputs.maxRequestSizeMb), values: { QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: numberText(inputs.maxRequestSizeMb) } },
  ];
}

// The order of String.prototype.localeCompare (ECMA-402 defines it as this collator's compare), one collator for all.
const collator = new Intl.Collator();
const sortedKeys = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).sort(([a], [b]) => collator.compare(a, b)));

/** The environment as a literal map when every part is decided (else undefined). */
export function qdrantEnvironment(inputs: QdrantInputs, names: QdrantNames): Record<string, string> {
  const parts = qdrantEnvironmentParts(inputs, names);
  if (!parts.every((p) => isDecided(p.when))) throw new Error("qdrantEnvironment: some settings depend on Terraform variables; use qdrantEnvironmentParts");
  return sortedKeys(Object.assign({}, ...parts.filter((p) => p.when).map((p) => p.values)));
}

export interface QdrantConfigProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
}

/** The ConfigMap Qdrant reads its settings from, and a checksum that rolls the pods when it changes. */
export class QdrantConfig extends Construct {
  readonly configMapName: string;
  /** sha256 of the settings; the pod template carries it as `checksum/config`. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: QdrantConfigProps) {
    super(scope, id);
    const parts = qdrantEnvironmentParts(props.inputs, props.names);
    let data: Record<string, string>;
    if (parts.every((p) => isDecided(p.when))) {
      data = qdrantEnvironment(props.inputs, props.names);
      this.checksum = createHash("sha256").update(JSON.stringify(data)).digest("hex");
    } else {
      data = Token.asStringMap(Fn.merge(parts.map((p) => choose(p.when, sortedKeys(p.values), {}))));
      this.checksum = Fn.sha256(Fn.jsonencode(data));
    }
    const configMap = new ConfigMapV1(this, "resource", {
      metadata: { name: props.names.configMapName, namespace: props.namespace, labels: props.names.labels },
      data,
    });
    this.configMapName = configMap.metadata.name;
  }
}
