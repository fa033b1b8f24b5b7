import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectionRequests } from "../../lib/collections/collection-requests";
import { resolveInputs } from "../../lib/config/validate";
import { Json, resource, synthDeployment } from "../helpers/synth";
import { startQdrantStandin, QdrantStandin } from "../support/qdrant-standin";
import { runScript } from "../support/run-script";

const job = (json: Json) => resource(json, "kubernetes_job_v1", "qdrant_init");
const checksum = (json: Json) => job(json).spec.template.metadata.annotations["checksum/collections"];

describe("CollectionInitJob", () => {
  const json = synthDeployment({ replicas: 3 });
  const spec = job(json).spec;
  const container = spec.template.spec.container[0];

  it("is the seed's <customer>-qdrant-init Job, started after the StatefulSet's rollout and awaited by apply", () => {
    expect(job(json).metadata.name).toBe("acme-qdrant-init");
    expect(job(json).depends_on).toEqual(["kubernetes_stateful_set_v1.qdrant"]);
    expect(job(json).wait_for_completion).toBe(true);
    expect(spec.backoff_limit).toBe(3);
    // Kept: a Job Kubernetes removed would be planned for creation again on every later plan.
    expect(spec.ttl_seconds_after_finished).toBeUndefined();
    expect(spec.template.spec.restart_policy).toBe("Never");
  });

  it("fits its share of the apply's wait budget: script waits inside the deadline, the deadline inside Terraform's wait", () => {
    // applyWaitMinutes 12 (the default, inside the 15-minute EKS token): the StatefulSet 9m, the Job 3m.
    expect(job(json).timeouts).toEqual({ create: "3m", update: "3m", delete: "1m" });
    expect(spec.active_deadline_seconds).toBe(150);
    expect(container.env).toContainEqual({ name: "WAIT_TIMEOUT_SECONDS", value: "60" });
    // A longer budget (exec authentication, a kubeconfig): a quarter of it, the script's wait up to startupTimeoutSeconds.
    const long = job(synthDeployment({ replicas: 3, applyWaitMinutes: 40 }));
    expect(long.timeouts).toEqual({ create: "10m", update: "10m", delete: "1m" });
    expect(long.spec.active_deadline_seconds).toBe(570);
    expect(long.spec.template.spec.container[0].env).toContainEqual({ name: "WAIT_TIMEOUT_SECONDS", value: "270" });
    expect(job(synthDeployment({ applyWaitMinutes: 40, startupTimeoutSeconds: 60 })).spec.template.spec.container[0].env).toContainEqual({ name: "WAIT_TIMEOUT_SECONDS", value: "60" });
  });

  it("runs the real script from its ConfigMap with the collections as Qdrant request bodies", () => {
    const configMap = resource(json, "kubernetes_config_map_v1", "qdrant_init");
    expect(configMap.metadata.name).toBe("acme-qdrant-init");
    expect(Object.keys(configMap.data)).toEqual(["collection-init.sh", "collections.json", "log.sh", "qdrant-api.sh"]);
    expect(JSON.parse(configMap.data["collections.json"])).toEqual(collectionRequests(resolveInputs({ customerName: "acme", apiKeySource: "generate", backupEnabled: false, replicas: 3 })));
    expect(container.command).toEqual(["bash", "/etc/qdrant-init/collection-init.sh"]);
    expect(container.image).toBe("alpine/k8s:1.33.4");
    expect(spec.template.spec.volume).toEqual([{ name: "init", config_map: { name: "${kubernetes_config_map_v1.qdrant_init.metadata[0].name}" } }]);
  });

  it("talks to the client Service, waits for every peer, and sends the read-write key", () => {
    expect(container.env).toEqual([
      { name: "QDRANT_URL", value: "http://${kubernetes_service_v1.qdrant.metadata[0].name}.qdrant.svc.cluster.local:6333" },
      { name: "COLLECTIONS_FILE", value: "/etc/qdrant-init/collections.json" },
      { name: "EXPECTED_PEERS", value: "3" },
      { name: "WAIT_TIMEOUT_SECONDS", value: "60" },
      { name: "COLLECTIONS_CHECKSUM", value: checksum(json) },
      { name: "QDRANT_API_KEY", value_from: { secret_key_ref: { name: "${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}", key: "api-key" } } },
    ]);
    const open = synthDeployment({ enableAuthentication: false, apiKeySource: undefined });
    expect(job(open).spec.template.spec.container[0].env.map((e: Json) => e.name)).not.toContain("QDRANT_API_KEY");
  });

  it("runs as its own ServiceAccount, with pods the Qdrant Services never select", () => {
    expect(resource(json, "kubernetes_service_account_v1", "qdrant_init")).toMatchObject({ metadata: { name: "acme-qdrant-init" }, automount_service_account_token: false });
    const labels = spec.template.metadata.labels;
    const selector = resource(json, "kubernetes_service_v1", "qdrant").spec.selector;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    expect(labels).toMatchObject({ "app.kubernetes.io/name": "qdrant-collection-init", "app.kubernetes.io/component": "collection-init" });
  });

  it("is replaced when the collections or the image change, and only then", () => {
    const base = synthDeployment();
    expect(checksum(synthDeployment())).toBe(checksum(base));
    expect(checksum(synthDeployment({ logLevel: "DEBUG", storageSize: "80Gi" }))).toBe(checksum(base));
    expect(checksum(synthDeployment({ collectionsConfig: [{ name: "documents", vectorSize: 768 }] }))).not.toBe(checksum(base));
    expect(checksum(synthDeployment({ jobImage: "example/tools:1.0" }))).not.toBe(checksum(base));
  });

  it("carries its checksum in a container variable, which (unlike a pod-template annotation) forces a new Job in the kubernetes provider", () => {
    const json = synthDeployment();
    const env = job(json).spec.template.spec.container[0].env as Json[];
    expect(env.find((e) => e.name === "COLLECTIONS_CHECKSUM")?.value).toBe(checksum(json));
    // Labels and annotations of the pod template would be planned in place and never sent: set at creation only.
    expect(job(json).lifecycle.ignore_changes).toEqual(["spec[0].template[0].metadata"]);
  });

  it("is not created without collections", () => {
    const none = synthDeployment({ collectionsConfig: [] });
    expect(none.resource.kubernetes_job_v1).toBeUndefined();
  });

  it("fails if the job image is not pinned", () => {
    expect(() => synthDeployment({ jobImage: "alpine/k8s:latest" })).toThrow('jobImage: must be pinned; "latest" changes under you (got "alpine/k8s:latest")');
    expect(() => synthDeployment({ jobImage: "alpine/k8s" })).toThrow('jobImage: must be an image pinned by tag or digest, such as "alpine/k8s:1.33.4" (got "alpine/k8s")');
  });
});

describe("collectionRequests", () => {
  it("turns collectionsConfig into Qdrant's create bodies, replication 2 in cluster mode", () => {
    const inputs = resolveInputs({
      customerName: "acme",
      enableAuthentication: false,
      backupEnabled: false,
      replicas: 3,
      collectionsConfig: [
        {
          name: "agent_memory",
          vectorSize: 1536,
          onDiskPayload: false,
          onDisk: true,
          quantization: { scalar: { type: "int8", alwaysRam: true } },
          optimizersConfig: { defaultSegmentNumber: 2, indexingThreshold: 10000 },
          shardNumber: 3,
          writeConsistencyFactor: 2,
          payloadIndexes: [{ fieldName: "agent", fieldSchema: "keyword" }],
        },
      ],
    });
    expect(collectionRequests(inputs)).toEqual([
      {
        name: "agent_memory",
        config: {
          vectors: { size: 1536, distance: "Cosine", on_disk: true },
          on_disk_payload: false,
          hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 20000 },
          replication_factor: 2,
          quantization_config: { scalar: { type: "int8", always_ram: true } },
          optimizers_config: { default_segment_number: 2, indexing_threshold: 10000 },
          shard_number: 3,
          write_consistency_factor: 2,
        },
        payload_indexes: [{ field_name: "agent", field_schema: "keyword" }],
      },
    ]);
    expect(collectionRequests({ ...inputs, replicas: 1, collectionsConfig: [{ ...inputs.collectionsConfig[0], shardNumber: undefined }] })[0].config.replication_factor).toBe(1);
  });
});

// The generated COLLECTIONS_FILE, fed to the real script against the stand-in, which checks every request
// against Qdrant's OpenAPI document: the shipped configs create their collections on both versions.
describe.each(["1.13", "1.19"] as const)("the shipped configs against Qdrant %s (stand-in)", (version) => {
  let standin: QdrantStandin | undefined;
  afterEach(async () => {
    await standin?.close();
    standin = undefined;
  });

  const configs: [string, Record<string, unknown>][] = [
    ["seed defaults, 3 replicas", { customerName: "acme", enableAuthentication: false, backupEnabled: false, replicas: 3 }],
    [
      "homelab agent collection",
      {
        customerName: "homelab",
        enableAuthentication: false,
        backupEnabled: false,
        collectionsConfig: [
          { name: "agent_memory_devops-agent", vectorSize: 1536, onDiskPayload: false, quantization: { scalar: { type: "int8", alwaysRam: true } } },
        ],
      },
    ],
  ];

  it.each(configs)("%s: created on the first run, nothing written on the second", async (_name, props) => {
    const inputs = resolveInputs(props);
    standin = await startQdrantStandin({ version, peers: inputs.replicas > 1 ? inputs.replicas : undefined, apiKey: "k".repeat(48) });
    const file = join(mkdtempSync(join(tmpdir(), "collections-")), "collections.json");
    writeFileSync(file, JSON.stringify(collectionRequests(inputs)));
    const env = { QDRANT_URL: standin.url, QDRANT_API_KEY: "k".repeat(48), COLLECTIONS_FILE: file, EXPECTED_PEERS: String(inputs.replicas), WAIT_TIMEOUT_SECONDS: "5" };

    const first = await runScript("collection-init.sh", env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(standin.violations).toEqual([]);
    for (const c of inputs.collectionsConfig) {
      const stored = standin.state.get(c.name);
      expect(Object.keys(stored.payloadSchema).sort()).toEqual(c.payloadIndexes.map((i) => i.fieldName).sort());
    }

    standin.clearRequests();
    const second = await runScript("collection-init.sh", env);
    expect(second.code).toBe(0);
    expect(standin.writes()).toEqual([]);
    expect(standin.violations).toEqual([]);
  });
});
