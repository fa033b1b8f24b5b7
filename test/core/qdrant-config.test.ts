import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resource, synthDeployment } from "../helpers/synth";

const QDRANT_DOCS = join(__dirname, "../fixtures/qdrant");

/**
 * Every dotted key path of Qdrant's config.yaml, including documented keys that ship commented out
 * (`# logger:` / `#   format: text`), read line by line from the indentation.
 */
function configKeys(file: string): Set<string> {
  const keys = new Set<string>();
  const stack: { indent: number; key: string }[] = [];
  for (const line of readFileSync(join(QDRANT_DOCS, file), "utf8").split("\n")) {
    const match = /^(\s*)(?:#\s?)?(\s*)([a-z0-9_]+):/.exec(line);
    if (!match) continue;
    const indent = match[1].length + match[2].length;
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    stack.push({ indent, key: match[3] });
    keys.add(stack.map((s) => s.key).join("."));
  }
  return keys;
}

/** Real keys the shipped config.yaml of some versions does not mention. */
const UNDOCUMENTED_KEYS: Record<string, string> = {
  // JSON logs arrived in v1.12.6 (qdrant/qdrant#5602); config.yaml documents logger.format only later.
  "logger.format": "v1.12.6",
  // /metrics on its own port without a key, since v1.17 (qdrant/qdrant#7838); not in config.yaml.
  "service.metrics_port": "v1.17.0",
};

function envToConfigPath(name: string): string {
  return name.replace(/^QDRANT__/, "").toLowerCase().split("__").join(".");
}

describe("QdrantConfig", () => {
  const cases = [
    ["v1.19.0", "config-v1.19.0.yaml"],
    ["v1.13.2", "config-v1.13.2.yaml"],
  ];

  it.each(cases)("uses only keys Qdrant %s has (checked against its config.yaml)", (version, file) => {
    const keys = configKeys(file);
    // TLS with and without a CA in the Secret: tls.ca_cert, or storage.shard_transfer_method instead.
    const keysWith = (caInSecret: boolean) => {
      const json = synthDeployment({ qdrantVersion: version, replicas: 3, walCapacityMb: 32, maxRequestSizeMb: 64, tls: { secretName: "cert", caInSecret } });
      return Object.keys(resource(json, "kubernetes_config_map_v1", "qdrant_config").data).filter((k) => k.startsWith("QDRANT__"));
    };
    const qdrantKeys = [...new Set([...keysWith(true), ...keysWith(false)])];
    expect(qdrantKeys).toEqual(expect.arrayContaining(["QDRANT__TLS__CA_CERT", "QDRANT__STORAGE__SHARD_TRANSFER_METHOD"]));
    expect(qdrantKeys.length).toBeGreaterThan(10);
    expect(qdrantKeys.filter((k) => !keys.has(envToConfigPath(k)) && !(envToConfigPath(k) in UNDOCUMENTED_KEYS))).toEqual([]);
    expect(keys.has("storage.wal_capacity_mb")).toBe(false); // the spike's key is not real
  });

  it("renders the settings, with the spike's WAL key corrected", () => {
    const json = synthDeployment({ walCapacityMb: 32, maxRequestSizeMb: 32 });
    expect(resource(json, "kubernetes_config_map_v1", "qdrant_config").data).toEqual({
      QDRANT_INIT_FILE_PATH: "/qdrant/init/.qdrant-initialized",
      QDRANT__CLUSTER__ENABLED: "false",
      QDRANT__LOGGER__FORMAT: "json",
      QDRANT__LOG_LEVEL: "INFO",
      QDRANT__SERVICE__ENABLE_TLS: "false",
      QDRANT__SERVICE__GRPC_PORT: "6334",
      QDRANT__SERVICE__HTTP_PORT: "6333",
      QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: "32",
      QDRANT__SERVICE__METRICS_PORT: "9090",
      QDRANT__STORAGE__SNAPSHOTS_PATH: "/qdrant/snapshots",
      QDRANT__STORAGE__STORAGE_PATH: "/qdrant/storage",
      QDRANT__STORAGE__WAL__WAL_CAPACITY_MB: "32",
      QDRANT__TELEMETRY_DISABLED: "true",
    });
  });

  it("keeps telemetry off unless asked, and logs JSON at INFO by default", () => {
    expect(resource(synthDeployment({ telemetryEnabled: true, logFormat: "text", logLevel: "WARN" }), "kubernetes_config_map_v1", "qdrant_config").data).toMatchObject({
      QDRANT__TELEMETRY_DISABLED: "false",
      QDRANT__LOGGER__FORMAT: "text",
      QDRANT__LOG_LEVEL: "WARN",
    });
  });

  it("makes peers check the API key on 6335 (v1.18+, cluster mode, authentication on)", () => {
    const data = (props: object) => resource(synthDeployment(props), "kubernetes_config_map_v1", "qdrant_config").data;
    expect(data({ replicas: 3 }).QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH).toBe("true");
    expect(data({ replicas: 3, enforceInternalAuth: false }).QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH).toBeUndefined();
    // The setting arrived in v1.18.0 (src/tonic/mod.rs); v1.17 peers neither send nor check a key on 6335.
    expect(data({ replicas: 3, qdrantVersion: "v1.18.0" }).QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH).toBe("true");
    expect(data({ replicas: 3, qdrantVersion: "v1.17.1" }).QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH).toBeUndefined();
    expect(data({}).QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH).toBeUndefined();
  });

  it("turns on cluster mode and the peer port only when replicas > 1", () => {
    const data = resource(synthDeployment({ replicas: 3 }), "kubernetes_config_map_v1", "qdrant_config").data;
    expect(data.QDRANT__CLUSTER__ENABLED).toBe("true");
    expect(data.QDRANT__CLUSTER__P2P__PORT).toBe("6335");
  });

  it("gives collections that clients create two copies of each shard in cluster mode (Qdrant's default is one)", () => {
    const data = (replicas: number) => resource(synthDeployment({ replicas }), "kubernetes_config_map_v1", "qdrant_config").data;
    expect(data(3).QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR).toBe("2");
    expect(data(2).QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR).toBe("2");
    expect(data(1).QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR).toBeUndefined();
  });

  it("rolls the pods when the settings change, and only then", () => {
    const checksum = (props = {}) => resource(synthDeployment(props), "kubernetes_stateful_set_v1", "qdrant").spec.template.metadata.annotations["checksum/config"];
    expect(checksum()).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum()).toBe(checksum());
    expect(checksum({ logLevel: "DEBUG" })).not.toBe(checksum());
  });

  it("feeds the ConfigMap to the container", () => {
    const container = resource(synthDeployment(), "kubernetes_stateful_set_v1", "qdrant").spec.template.spec.container[0];
    expect(container.env_from).toEqual([{ config_map_ref: { name: "${kubernetes_config_map_v1.qdrant_config.metadata[0].name}" } }]);
  });
});
