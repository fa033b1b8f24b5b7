/**
 * The upgrade guard's checks, as synthesized, run through the real terraform binary: the running StatefulSet that
 * the kubernetes provider's `kubernetes_resources` data source would return (its `objects`, in the Kubernetes API's
 * shape) is a local value instead, since the provider cannot be installed here. One apply evaluates every scenario.
 */
import { synthesizeModuleStack } from "../../lib/module/files";
import { applyWithoutProviders, localsWithoutResources, requireTerraform } from "../helpers/terraform";
import { Json, resource, synthDeployment } from "../helpers/synth";

requireTerraform();

const DATA = "data.kubernetes_resources.qdrant_running.objects";

interface Status {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
}
/** Three pods, all ready, rollout finished. */
const SETTLED: Status = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: "acme-qdrant-7c9f", updateRevision: "acme-qdrant-7c9f" };

/** A StatefulSet as the API returns it (the fields the checks read). */
function running(image: string, templates: { name: string; storage: string; storageClassName: string }[] = [], status: Status = SETTLED, clusterMode = true): Json {
  // The API's container ports (a single node has none named p2p); the provider hands an absent list over as null.
  const ports = clusterMode ? [{ name: "http", containerPort: 6333, protocol: "TCP" }, { name: "p2p", containerPort: 6335, protocol: "TCP" }] : null;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "acme-qdrant", namespace: "qdrant" },
    spec: {
      replicas: status.replicas,
      template: { spec: { containers: [{ name: "qdrant", image, imagePullPolicy: "IfNotPresent", ports }] } },
      volumeClaimTemplates: templates.map((t) => ({
        metadata: { name: t.name },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: t.storage } }, storageClassName: t.storageClassName },
      })),
    },
    // The API drops zero counts from status (omitempty), and the provider's objects carry every field of the type's
    // OpenAPI schema, a missing one as null (payload.ToTFValue, then morph.UnknownToNull).
    status: Object.fromEntries(
      ["availableReplicas", "collisionCount", "currentReplicas", "currentRevision", "observedGeneration", "readyReplicas", "updateRevision", "updatedReplicas"].map((k) => {
        const value = ({ ...status, observedGeneration: 2, currentReplicas: status.readyReplicas } as Record<string, unknown>)[k];
        return [k, value === undefined || value === 0 ? null : value];
      }),
    ),
  };
}
const claims = (data: string, snapshots = data, storageClassName = "acme-qdrant-gp3") => [
  { name: "qdrant-data", storage: data, storageClassName },
  { name: "qdrant-snapshots", storage: snapshots, storageClassName },
];

const CHECKS = ["downgrade", "skip", "size", "class", "ready", "scaleDown", "cluster"] as const;
type Check = (typeof CHECKS)[number] | "availability";

interface Scenario {
  name: string;
  json: Json;
  objects: Json[];
  /** The checks that fail, with their exact message. */
  fails: Partial<Record<Check, string>>;
}

const stack = (props: Json) => synthDeployment(props);
const ACME = { replicas: 3, storageSize: "500Gi" };
const acme = stack(ACME);
const acmeSingle = stack({ ...ACME, replicas: 1, qdrantVersion: "v1.18.3" });
const acmeOneCopy = stack({ ...ACME, collectionsConfig: [{ name: "documents", vectorSize: 4, replicationFactor: 1 }, { name: "chats", vectorSize: 4 }] });
const acmeDown = stack({ ...ACME, qdrantVersion: "v1.18.3" });
const acmeGrown = stack({ ...ACME, storageSize: "800Gi" });
const acmeLocal = stack({ ...ACME, storageClassName: "local-path" });
const acmeOverride = stack({ ...ACME, rolloutWhileUnready: true });
const acmeScaleDown = stack({ ...ACME, allowScaleDown: true });
const acmeAutoscaled = stack({ ...ACME, autoscaling: { enabled: true, maxReplicas: 6 } });
/** Five pods, all ready: an autoscaler added two to acme's three. */
const FIVE: Status = { ...SETTLED, replicas: 5, readyReplicas: 5, updatedReplicas: 5 };
const scaleDown = (from: number, configured = 3, label = "replicas", allow = "allowScaleDown", autoscaling = "autoscaling") =>
  `${label} ${configured} is below the ${from} pods of the running StatefulSet qdrant/acme-qdrant: Kubernetes would stop every surplus peer at once (podManagementPolicy Parallel) without moving its shards, and shards held only there would go offline. To scale down, move every shard off the highest-numbered peers and remove them from the cluster (README "Scaling and sizing"), then set ${allow} to true for that apply and back to false afterwards. Turning ${autoscaling} off after it added pods: set ${label} to the running count (kubectl -n qdrant get statefulset acme-qdrant) in the same change.`;
const NOT_SETTLED =
  "The running StatefulSet qdrant/acme-qdrant is not settled: %READY% of 3 pods ready, %UPDATED% on the newest revision. Its pods start in parallel (podManagementPolicy Parallel), and then Kubernetes' rolling update restarts the next pod without waiting for the others: a change now could stop a second peer, and with three peers Qdrant's Raft quorum. Wait until every pod is ready (kubectl -n qdrant rollout status statefulset/acme-qdrant); when this change is what makes a pod ready again (it fixes a change that broke it), set rolloutWhileUnready to true for this apply, and back to false afterwards.";
const notSettled = (ready: number, updated: number) => NOT_SETTLED.replace("%READY%", String(ready)).replace("%UPDATED%", String(updated));
const PEER_DOWN: Status = { ...SETTLED, readyReplicas: 2 };
const ROLLING: Status = { ...SETTLED, updatedReplicas: 1, updateRevision: "acme-qdrant-5d2b" };

/** One pod, ready, no cluster mode. */
const ONE: Status = { replicas: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: "a", updateRevision: "a" };
const singleNode = running("qdrant/qdrant:v1.19.0", claims("500Gi"), ONE, false);
const TO_CLUSTER =
  "replicas 3 would turn the running single-node Qdrant of qdrant/acme-qdrant into a cluster in one apply: the new pods start in cluster mode and wait for pod 0 on port 6335, which the running pod 0 does not serve, and Kubernetes' rolling update never reaches pod 0 while they are not ready, so the rollout stalls. Do it in two applies: first %STEP%, wait until the pod is ready (kubectl -n qdrant rollout status statefulset/acme-qdrant), then raise replicas; the single node's shards stay on pod 0, one copy each, until you replicate them onto the new peers (README \"Scaling and sizing\").";
const STACK_STEP = "set clusterMode: true with replicas: 1 and apply (one restart: Qdrant moves the single node's collections into a one-peer cluster)";

const scenarios: Scenario[] = [
  { name: "a single node straight to three pods: the rollout would stall", json: acme, objects: [singleNode], fails: { cluster: TO_CLUSTER.replace("%STEP%", STACK_STEP) } },
  { name: "a single node to a one-peer cluster (clusterMode: true, replicas: 1): the first of two applies", json: stack({ ...ACME, replicas: 1, clusterMode: true }), objects: [singleNode], fails: {} },
  { name: "a one-peer cluster to three pods: the second apply", json: acme, objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), ONE)], fails: {} },
  { name: "a single node scaled to 0 (disaster recovery): every pod starts from the new template", json: acme, objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), { replicas: 0 }, false)], fails: {} },
  { name: "a single node staying one", json: stack({ ...ACME, replicas: 1 }), objects: [singleNode], fails: {} },
  { name: "first deploy: nothing runs, nothing to compare", json: acme, objects: [], fails: {} },
  { name: "one minor up, sizes as created, two copies of every shard", json: acme, objects: [running("qdrant/qdrant:v1.18.3", claims("500Gi"))], fails: {} },
  { name: "same version, sizes written another way (0.5Ti = 512Gi)", json: stack({ ...ACME, storageSize: "512Gi" }), objects: [running("qdrant/qdrant:v1.19.0", claims("0.5Ti"))], fails: {} },
  { name: "an image tag that is no version cannot be judged", json: acme, objects: [running("registry.example.com:5000/qdrant/qdrant:latest", claims("500Gi"))], fails: {} },
  {
    name: "v1.13.2 to v1.19.0 skips five minor versions",
    json: acme,
    objects: [running("qdrant/qdrant:v1.13.2", claims("500Gi"))],
    fails: {
      skip: 'qdrantVersion v1.19.0 skips a minor version: the running StatefulSet qdrant/acme-qdrant runs v1.13.2, and Qdrant upgrades one minor version at a time, through the latest patch of each. Deploy v1.14.1 first, then each next minor version up to v1.19.0 (docs/runbook.md, "Upgrade Qdrant").',
    },
  },
  {
    name: "v1.19.0 back to v1.18.3 is a downgrade",
    json: acmeDown,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"))],
    fails: {
      downgrade:
        'qdrantVersion v1.18.3 is older than v1.19.0, which the running StatefulSet qdrant/acme-qdrant runs: Qdrant guarantees its storage only one minor version forward, never back, so a downgrade may not read the data. Keep qdrantVersion at v1.19.0 or newer; to go back, restore a backup taken before the upgrade into a deployment of the older version (docs/runbook.md, "Upgrade Qdrant").',
    },
  },
  {
    name: "a patch downgrade too",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.1", claims("500Gi"))],
    fails: { downgrade: expect.stringMatching(/^qdrantVersion v1\.19\.0 is older than v1\.19\.1, which/) as unknown as string },
  },
  {
    name: "a bigger storageSize on a running StatefulSet",
    json: acmeGrown,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"))],
    fails: {
      size: 'storageSize or snapshotStorageSize differs from the claim templates of the running StatefulSet qdrant/acme-qdrant (qdrant-data 500Gi, qdrant-snapshots 500Gi): Kubernetes cannot change a StatefulSet\'s claim templates, and Terraform leaves them as they were created. To grow the volumes without stopping a pod, follow docs/runbook.md "Grow the volumes" (resize each PVC, delete the StatefulSet with --cascade=orphan so its pods keep running, apply); volumes cannot shrink, so otherwise set the sizes back to those above.',
    },
  },
  {
    name: "a bigger storageSize once the StatefulSet was deleted with --cascade=orphan (Grow the volumes): nothing to compare",
    json: acmeGrown,
    objects: [],
    fails: {},
  },
  {
    name: "another StorageClass",
    json: acmeLocal,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"))],
    fails: {
      class:
        "storageClassName (or storageType) would put the volumes on StorageClass local-path, but the claim templates of the running StatefulSet qdrant/acme-qdrant use another (qdrant-data acme-qdrant-gp3, qdrant-snapshots acme-qdrant-gp3): existing volumes keep their class. Keep the class; moving the data to another class means a new deployment restored from a backup.",
    },
  },
  {
    name: "a peer not ready (e.g. catching up after a node upgrade): any plan that changes the StatefulSet could stop a second",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), PEER_DOWN)],
    fails: { ready: notSettled(2, 3) },
  },
  {
    name: "a rollout still going (the last apply stopped at its timeout)",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), ROLLING)],
    fails: { ready: notSettled(3, 1) },
  },
  {
    name: "no pod ready at all (zero counts are absent from the API's status)",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), { ...SETTLED, readyReplicas: 0 })],
    fails: { ready: notSettled(0, 3) },
  },
  { name: "rolloutWhileUnready: the apply that fixes a broken pod", json: acmeOverride, objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), ROLLING)], fails: {} },
  {
    name: "a single pod that is not ready: nothing a second restart could stop",
    json: acmeSingle,
    objects: [running("qdrant/qdrant:v1.18.3", claims("500Gi"), { replicas: 1, updatedReplicas: 1, currentRevision: "a", updateRevision: "a" })],
    fails: {},
  },
  {
    name: "scaled to 0 (disaster recovery: scale to 0, delete the claims, deploy)",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), { replicas: 0, currentRevision: "a", updateRevision: "a" })],
    fails: {},
  },
  {
    name: "rolloutWhileUnready with no pod ready at all",
    json: acmeOverride,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), { ...SETTLED, readyReplicas: 0, updatedReplicas: 0 })],
    fails: {},
  },
  {
    name: "autoscaling turned off after it added two pods: Kubernetes would stop both at once",
    json: acme,
    objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), FIVE)],
    fails: { scaleDown: scaleDown(5) },
  },
  { name: "allowScaleDown: the apply that lowers replicas once the surplus peers hold no shard", json: acmeScaleDown, objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), FIVE)], fails: {} },
  { name: "autoscaling on: the autoscaler owns the count (ignore_changes), nothing to compare", json: acmeAutoscaled, objects: [running("qdrant/qdrant:v1.19.0", claims("500Gi"), FIVE)], fails: {} },
  {
    name: "a version change on a single pod (warning only)",
    json: acmeSingle,
    objects: [running("qdrant/qdrant:v1.17.1", claims("500Gi"), { replicas: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: "a", updateRevision: "a" })],
    fails: {
      availability:
        "qdrantVersion changes the running v1.17.1 to v1.18.3: the StatefulSet restarts one pod at a time, and with a single pod Qdrant is unavailable until that pod is ready again. An upgrade without downtime needs replicas >= 2 and every collection at replicationFactor >= 2 with its shards replicated; otherwise plan a maintenance window.",
    },
  },
  {
    name: "a version change meets a collection with one copy of its shards (warning only)",
    json: acmeOneCopy,
    objects: [running("qdrant/qdrant:v1.18.3", claims("500Gi"))],
    fails: {
      availability:
        "qdrantVersion changes the running v1.18.3 to v1.19.0: the StatefulSet restarts one pod at a time, and collections with replication factor 1 (documents) cannot serve the shards of the restarting pod until that pod is ready again. An upgrade without downtime needs replicas >= 2 and every collection at replicationFactor >= 2 with its shards replicated; otherwise plan a maintenance window.",
    },
  },
];

function checksOf(json: Json): Record<Check, { condition: string; error_message: string }> {
  const pre = resource(json, "kubernetes_stateful_set_v1", "qdrant").lifecycle.precondition as { condition: string; error_message: string }[];
  const guard = pre.filter((p) => p.condition.includes(DATA));
  expect(guard).toHaveLength(7);
  const [downgrade, skip, size, klass, ready, scaleDown, cluster] = guard;
  const availability = json.check.qdrant_upgrade_availability.assert[0];
  return { downgrade, skip, size, class: klass, ready, scaleDown, cluster, availability };
}

describe("upgrade guard (preconditions of the StatefulSet and a check block, read from the running StatefulSet)", () => {
  let outputs: Record<string, unknown>;
  let moduleOutputs: Record<string, unknown>;
  beforeAll(() => {
    const locals: Json = {};
    const output: Json = {};
    // The warning as the check block it is (Terraform reads the JSON form, warns, and the apply goes on).
    const check: Json = {};
    scenarios.forEach((s, i) => {
      locals[`objects_${i}`] = s.objects;
      const warning = (s.json.check.qdrant_upgrade_availability.assert as Json[]).map((a) => ({
        condition: a.condition.split(DATA).join(`local.objects_${i}`),
        error_message: a.error_message.split(DATA).join(`local.objects_${i}`),
      }));
      check[`availability_${i}`] = { assert: warning };
      for (const [check, { condition, error_message }] of Object.entries(checksOf(s.json))) {
        const swap = (text: string) => text.split(DATA).join(`local.objects_${i}`);
        output[`ok_${i}_${check}`] = { value: swap(condition) };
        if (check in s.fails) output[`message_${i}_${check}`] = { value: swap(error_message) };
      }
    });
    const run = applyWithoutProviders({ locals, output, check });
    if (!run.outputs) throw new Error(run.stderr);
    outputs = run.outputs;

    // The module's checks over its variables and locals: qdrant_version v1.19.0 (the default) over a running v1.17.1.
    const module = synthesizeModuleStack() as Json;
    const checks = checksOf(module);
    const swap = (text: string) => text.split(DATA).join("local.objects");
    const toSingleNodeAtThree = (text: string) => text.split(DATA).join("local.single_node").split("var.replicas").join("3");
    const moduleRun = applyWithoutProviders(
      {
        variable: module.variable,
        locals: {
          ...localsWithoutResources(module.locals),
          objects: [running("qdrant/qdrant:v1.17.1", claims("50Gi", "50Gi", "acme-qdrant-gp3"), PEER_DOWN)],
          single_node: [singleNode],
        },
        output: {
          ok_skip: { value: swap(checks.skip.condition) },
          message_skip: { value: swap(checks.skip.error_message) },
          ok_size: { value: swap(checks.size.condition) },
          ok_class: { value: swap(checks.class.condition) },
          ok_ready: { value: swap(checks.ready.condition) },
          message_ready: { value: swap(checks.ready.error_message) },
          ok_scale_down: { value: swap(checks.scaleDown.condition) },
          message_scale_down: { value: swap(checks.scaleDown.error_message) },
          // A running single node with replicas = 3 (the variable stays 1 for the other checks).
          ok_cluster: { value: toSingleNodeAtThree(checks.cluster.condition) },
          message_cluster: { value: toSingleNodeAtThree(checks.cluster.error_message) },
          ok_availability: { value: swap(checks.availability.condition) },
          message_availability: { value: swap(checks.availability.error_message) },
        },
      },
      { customer_name: "acme" },
    );
    if (!moduleRun.outputs) throw new Error(moduleRun.stderr);
    moduleOutputs = moduleRun.outputs;
  }, 120000);

  it.each(scenarios.map((s, i) => [s.name, i] as const))("%s", (_name, i) => {
    const s = scenarios[i];
    const verdicts = Object.fromEntries([...CHECKS, "availability"].map((c) => [c, outputs[`ok_${i}_${c}`]]));
    const expected = Object.fromEntries([...CHECKS, "availability"].map((c) => [c, !(c in s.fails)]));
    expect(verdicts).toEqual(expected);
    for (const [check, message] of Object.entries(s.fails)) expect(outputs[`message_${i}_${check}`]).toEqual(message);
  });

  it("in the module: qdrant_version from the variable, the resource name and namespace from locals, snake_case names", () => {
    expect(moduleOutputs.ok_skip).toBe(false);
    expect(moduleOutputs.message_skip).toBe(
      'qdrant_version v1.19.0 skips a minor version: the running StatefulSet qdrant/acme-qdrant runs v1.17.1, and Qdrant upgrades one minor version at a time, through the latest patch of each. Deploy v1.18.3 first, then each next minor version up to v1.19.0 (docs/runbook.md, "Upgrade Qdrant").',
    );
    expect([moduleOutputs.ok_size, moduleOutputs.ok_class]).toEqual([true, true]);
    expect(moduleOutputs.ok_ready).toBe(false);
    expect(moduleOutputs.message_ready).toBe(notSettled(2, 3).replace("set rolloutWhileUnready", "set rollout_while_unready"));
    // replicas (1 by default) below the 3 running: the scale-down check, with the module's names.
    expect(moduleOutputs.ok_scale_down).toBe(false);
    expect(moduleOutputs.message_scale_down).toBe(scaleDown(3, 1, "replicas", "allow_scale_down"));
    expect(moduleOutputs.ok_cluster).toBe(false);
    expect(moduleOutputs.message_cluster).toBe(
      TO_CLUSTER.replace("%STEP%", "apply with replicas = 1 (the module runs cluster mode at any replicas: one restart, and Qdrant moves the single node's collections into a one-peer cluster)"),
    );
    expect(moduleOutputs.ok_availability).toBe(false);
    expect(moduleOutputs.message_availability).toMatch(/^qdrant_version changes the running v1\.17\.1 to v1\.19\.0: .* with a single pod Qdrant is unavailable until/);
  });

  it("reads the StatefulSet by its literal namespace and name, so the plan (not the apply) reads it", () => {
    expect(acme.data.kubernetes_resources.qdrant_running).toEqual({ api_version: "apps/v1", kind: "StatefulSet", namespace: "qdrant", field_selector: "metadata.name=acme-qdrant" });
  });
});
