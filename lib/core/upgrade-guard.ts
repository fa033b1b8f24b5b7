/**
 * What `terraform plan` checks against the StatefulSet that is running, before it changes it: the Qdrant version
 * (no minor version skipped, never down) and the claim templates (Kubernetes cannot change them, so a new size or
 * StorageClass is refused with the procedure that grows the volumes without stopping a pod). It reads the running
 * StatefulSet with the kubernetes provider's `kubernetes_resources` data source, which lists nothing before the
 * first deploy (so nothing is checked then). With several pods it also refuses to change a StatefulSet that is not
 * ready (see `readyCheck`). A `check` block warns, without stopping the plan, when a version
 * change meets a single-replica collection or a single pod.
 */
import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { QDRANT_LATEST_PATCHES } from "../config/qdrant-version";
import { hclQuantity, hclString, hclValue } from "../module/variable-types";
import { addressIn, addressPrefix } from "../terraform/addresses";
import type { QdrantNames } from "./naming";

/** The configured values the checks compare, as HCL expressions (literals in the stacks, variables in the module). */
export interface GuardExpressions {
  /** The target version tag, e.g. `"v1.19.0"` or `var.qdrant_version`. */
  readonly version: string;
  readonly replicas: string;
  /** Names of the collections whose replication factor is 1, as an HCL list. */
  readonly singleReplicaCollections: string;
  readonly storageSize: string;
  readonly snapshotStorageSize: string;
  readonly storageClassName: string;
  /** `<namespace>/<name>` of the StatefulSet, as template text for messages. */
  readonly statefulSetText: string;
  /** Whether a plan may change the StatefulSet while a pod is not ready (a bool expression). */
  readonly rolloutWhileUnready: string;
  /** Whether a plan may lower the running pod count (a bool expression). */
  readonly allowScaleDown: string;
  /** Whether an autoscaler owns the pod count (Terraform then leaves it alone; a bool expression). */
  readonly autoscaled: string;
  /** How this face turns a running single node into a one-peer cluster, as message text (the first of two applies). */
  readonly clusterModeFirstStep: string;
  /** Input names as the user writes them (camelCase in the stacks, snake_case in the module). */
  readonly label: (
    key:
      | "qdrantVersion"
      | "storageSize"
      | "snapshotStorageSize"
      | "storageClassName"
      | "storageType"
      | "replicas"
      | "replicationFactor"
      | "rolloutWhileUnready"
      | "allowScaleDown"
      | "autoscaling"
      | "enforceInternalAuth",
  ) => string;
}

export interface UpgradeGuardProps {
  readonly names: QdrantNames;
  readonly expressions: GuardExpressions;
}

const VERSION_IN_IMAGE = ":v?([0-9]+)\\.([0-9]+)\\.([0-9]+)[^:/]*$";

/** [major, minor, patch] of the running Qdrant container's image tag, or null (no StatefulSet, or a tag that is no version). */
export function runningVersionHcl(objects: string): string {
  return `try([for m in [regex(${hclString(VERSION_IN_IMAGE)}, [for c in ${objects}[0].spec.template.spec.containers : c.image if c.name == "qdrant"][0])] : [for n in m : tonumber(n)]][0], null)`;
}

/** [major, minor, patch] of a version tag expression (validated as vX.Y.Z[-suffix]). */
export function targetVersionHcl(version: string): string {
  return `[for n in regex("^v?([0-9]+)\\\\.([0-9]+)\\\\.([0-9]+)", ${version}) : tonumber(n)]`;
}

/** `kubectl -n <namespace> <verb> statefulset<separator><name>` for the StatefulSet, for messages. */
const kubectl = (e: GuardExpressions, verb: string, separator = "/") => {
  const [namespace, ...name] = e.statefulSetText.split("/");
  return `kubectl -n ${namespace} ${verb} statefulset${separator}${name.join("/")}`;
};

/** An HCL expression as message text: a string literal as its content, anything else interpolated. */
const text = (expression: string) => (/^"[^"\\$%]*"$/.test(expression) ? (JSON.parse(expression) as string) : `\${${expression}}`);

/** `condition` over `r` (running, never null inside) and `t` (target); true when nothing runs yet. */
const overVersions = (objects: string, version: string, condition: string) =>
  `alltrue([for r in [${runningVersionHcl(objects)}] : alltrue([for t in [${targetVersionHcl(version)}] : r == null ? true : (${condition})])])`;

/**
 * Several pods, and one not ready or a rollout unfinished: the pods run with podManagementPolicy Parallel, under which
 * Kubernetes' rolling update deletes the highest outdated pod without waiting for the others to be ready (only
 * OrderedReady waits; the PodDisruptionBudget does not cover the controller's own deletions). A change to the pod
 * template then stops a second peer, and with three peers the Raft quorum. Nothing runs yet, or one pod: true.
 */
function readyCheck(objects: string, e: GuardExpressions): { condition: string; errorMessage: string } {
  // The API leaves zero counts out of status, and the provider hands the missing fields over as null (not absent,
  // so try() alone passes the null on); `||` evaluates both sides before Terraform 1.12, hence the conditional.
  const count = (path: string, otherwise: number) => `coalesce(try(${path}, null), ${otherwise})`;
  const settled = (o: string, n: string) =>
    `(${count(`${o}.status.readyReplicas`, 0)} >= ${n} && ${count(`${o}.status.updatedReplicas`, 0)} >= ${n} && try(${o}.status.currentRevision == ${o}.status.updateRevision, true))`;
  const first = `${objects}[0]`; // inside try(): there may be none
  return {
    condition: `\${alltrue([for o in ${objects} : alltrue([for n in [${count("o.spec.replicas", 1)}] : (${e.rolloutWhileUnready} || n <= 1) ? true : ${settled("o", "n")}])])}`,
    errorMessage:
      `The running StatefulSet ${e.statefulSetText} is not settled: \${${count(`${first}.status.readyReplicas`, 0)}} of \${${count(`${first}.spec.replicas`, 1)}} pods ready, ` +
      `\${${count(`${first}.status.updatedReplicas`, 0)}} on the newest revision. Its pods start in parallel (podManagementPolicy Parallel), and then Kubernetes' rolling ` +
      `update restarts the next pod without waiting for the others: a change now could stop a second peer, and with three peers Qdrant's Raft quorum. ` +
      `Wait until every pod is ready (${kubectl(e, "rollout status")}); when this change is what makes a pod ready ` +
      `again (it fixes a change that broke it), set ${e.label("rolloutWhileUnready")} to true for this apply, and back to false afterwards.`,
  };
}

/**
 * Fewer pods than the running StatefulSet has (lower replicas, or autoscaling turned off after it added pods): under
 * Parallel pod management Kubernetes stops every surplus pod at once, without moving a shard. An autoscaler's count
 * is left alone (ignore_changes), so nothing is checked then.
 */
function scaleDownCheck(objects: string, e: GuardExpressions): { condition: string; errorMessage: string } {
  const running = `coalesce(try(${objects}[0].spec.replicas, null), 0)`;
  const configured = /^\d+$/.test(e.replicas) ? e.replicas : `\${${e.replicas}}`;
  return {
    condition: `\${alltrue([for o in ${objects} : (${e.allowScaleDown} || ${e.autoscaled}) ? true : ${e.replicas} >= coalesce(try(o.spec.replicas, null), 0)])}`,
    errorMessage:
      `${e.label("replicas")} ${configured} is below the \${${running}} pods of the running StatefulSet ${e.statefulSetText}: Kubernetes would stop every ` +
      `surplus peer at once (podManagementPolicy Parallel) without moving its shards, and shards held only there would go offline. To scale down, move every ` +
      `shard off the highest-numbered peers and remove them from the cluster (README "Scaling and sizing"), then set ${e.label("allowScaleDown")} to true for ` +
      `that apply and back to false afterwards. Turning ${e.label("autoscaling")} off after it added pods: set ${e.label("replicas")} to the running count ` +
      `(${kubectl(e, "get", " ")}) in the same change.`,
  };
}

/**
 * A running single node (no cluster mode: its qdrant container has no p2p port) and several pods configured: the new
 * pods start in cluster mode and try to join pod 0 on port 6335, which the old pod 0 does not serve, so they never
 * get ready; the rolling update goes from the highest ordinal down and waits for each updated pod to be ready, so it
 * never reaches pod 0. The way through is two applies: pod 0 in cluster mode first (Qdrant then moves the single
 * node's collections into the new cluster: its migrations/single_to_cluster.rs), then the other pods. Scaled to 0
 * (disaster recovery), every pod starts from the new template: nothing to check.
 */
function singleToClusterCheck(objects: string, e: GuardExpressions): { condition: string; errorMessage: string } {
  const p2p = (o: string) => `anytrue([for c in try(${o}.spec.template.spec.containers, []) : c.name == "qdrant" && try(contains([for p in c.ports : p.name], "p2p"), false)])`;
  const configured = /^\d+$/.test(e.replicas) ? e.replicas : `\${${e.replicas}}`;
  return {
    condition: `\${alltrue([for o in ${objects} : ${e.replicas} <= 1 || coalesce(try(o.spec.replicas, null), 0) == 0 ? true : ${p2p("o")}])}`,
    errorMessage:
      `${e.label("replicas")} ${configured} would turn the running single-node Qdrant of ${e.statefulSetText} into a cluster in one apply: the new pods ` +
      `start in cluster mode and wait for pod 0 on port 6335, which the running pod 0 does not serve, and Kubernetes' rolling update never reaches pod 0 ` +
      `while they are not ready, so the rollout stalls. Do it in two applies: first ${e.clusterModeFirstStep}, wait until the pod is ready ` +
      `(${kubectl(e, "rollout status")}), then raise ${e.label("replicas")}; the single node's shards stay on pod 0, one copy each, until you replicate ` +
      `them onto the new peers (README "Scaling and sizing").`,
  };
}

/** The checks, as preconditions of the StatefulSet and one warning; pure text so tests can run them through terraform. */
export function upgradeChecks(objects: string, e: GuardExpressions): {
  preconditions: { condition: string; errorMessage: string }[];
  warning: { condition: string; errorMessage: string };
} {
  // Messages must evaluate also when their condition holds (Terraform evaluates a check block's message either way).
  const running = `v\${try(join(".", ${runningVersionHcl(objects)}), "?")}`;
  const target = text(e.version);
  const r = runningVersionHcl(objects);
  const nextMinor = `\${try(lookup(${hclValue(QDRANT_LATEST_PATCHES, true)}, format("%d.%d", ${r}[0], ${r}[1] + 1), format("v%d.%d.x (its latest patch)", ${r}[0], ${r}[1] + 1)), "the next minor version")}`;
  const sizeOf = (t: string) => `(${t}.metadata.name == "qdrant-data" ? ${e.storageSize} : ${e.snapshotStorageSize})`;
  const eachTemplate = (condition: string) =>
    `alltrue([for o in ${objects} : alltrue([for t in try(o.spec.volumeClaimTemplates, []) : !contains(["qdrant-data", "qdrant-snapshots"], t.metadata.name) ? true : (${condition})])])`;
  const live = (attribute: string) => `\${join(", ", [for t in try(${objects}[0].spec.volumeClaimTemplates, []) : "\${t.metadata.name} \${try(${attribute}, "none")}"])}`;
  const grow = 'follow docs/runbook.md "Grow the volumes" (resize each PVC, delete the StatefulSet with --cascade=orphan so its pods keep running, apply)';
  return {
    preconditions: [
      {
        condition: `\${${overVersions(objects, e.version, "t[0] > r[0] || (t[0] == r[0] && (t[1] > r[1] || (t[1] == r[1] && t[2] >= r[2])))")}}`,
        errorMessage:
          `${e.label("qdrantVersion")} ${target} is older than ${running}, which the running StatefulSet ${e.statefulSetText} runs: Qdrant guarantees its storage ` +
          `only one minor version forward, never back, so a downgrade may not read the data. Keep ${e.label("qdrantVersion")} at ${running} or newer; to go back, ` +
          `restore a backup taken before the upgrade into a deployment of the older version (docs/runbook.md, "Upgrade Qdrant").`,
      },
      {
        condition: `\${${overVersions(objects, e.version, "t[0] == r[0] ? t[1] <= r[1] + 1 : t[0] < r[0]")}}`,
        errorMessage:
          `${e.label("qdrantVersion")} ${target} skips a minor version: the running StatefulSet ${e.statefulSetText} runs ${running}, and Qdrant upgrades one ` +
          `minor version at a time, through the latest patch of each. Deploy ${nextMinor} first, then each next minor version up to ${target} (docs/runbook.md, "Upgrade Qdrant").`,
      },
      {
        condition: `\${${eachTemplate(`try(${hclQuantity("t.spec.resources.requests.storage")} == ${hclQuantity(sizeOf("t"))}, false)`)}}`,
        errorMessage:
          `${e.label("storageSize")} or ${e.label("snapshotStorageSize")} differs from the claim templates of the running StatefulSet ${e.statefulSetText} ` +
          `(${live("t.spec.resources.requests.storage")}): Kubernetes cannot change a StatefulSet's claim templates, and Terraform leaves them as they were created. ` +
          `To grow the volumes without stopping a pod, ${grow}; volumes cannot shrink, so otherwise set the sizes back to those above.`,
      },
      {
        condition: `\${${eachTemplate(`try(t.spec.storageClassName, null) == (${e.storageClassName})`)}}`,
        errorMessage:
          `${e.label("storageClassName")} (or ${e.label("storageType")}) would put the volumes on StorageClass ${text(e.storageClassName)}, but the claim templates of the running StatefulSet ` +
          `${e.statefulSetText} use another (${live("t.spec.storageClassName")}): existing volumes keep their class. Keep the class; moving the data to another ` +
          `class means a new deployment restored from a backup.`,
      },
      readyCheck(objects, e),
      scaleDownCheck(objects, e),
      singleToClusterCheck(objects, e),
    ],
    warning: {
      condition: `\${${overVersions(objects, e.version, `t == r ? true : (${e.replicas} > 1 && length(${e.singleReplicaCollections}) == 0)`)}}`,
      errorMessage:
        `${e.label("qdrantVersion")} changes the running ${running} to ${target}: the StatefulSet restarts one pod at a time, and \${${e.replicas} > 1 ? ` +
        `"collections with replication factor 1 (\${join(", ", ${e.singleReplicaCollections})}) cannot serve the shards of the restarting pod" : "with a single pod Qdrant is unavailable"} ` +
        `until that pod is ready again. An upgrade without downtime needs ${e.label("replicas")} >= 2 and every collection at ${e.label("replicationFactor")} >= 2 with its shards replicated; otherwise plan a maintenance window.`,
    },
  };
}

/**
 * The running StatefulSet (a `kubernetes_resources` data source, read at plan time), the preconditions the
 * StatefulSet gets from it, and the warning as a `check` block of the stack.
 */
export class UpgradeGuard extends Construct {
  readonly preconditions: { condition: string; errorMessage: string }[];
  /** The running StatefulSets as an HCL list (none before the first deploy), for other checks that read them. */
  readonly objects: string;

  constructor(scope: Construct, id: string, props: UpgradeGuardProps) {
    super(scope, id);
    const { names } = props;
    // Literal namespace and name (never a resource's attribute), so the data source is read during plan.
    new DataKubernetesResources(this, "running", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      namespace: names.namespace,
      fieldSelector: `metadata.name=${names.resourceName}`,
    });
    const objects = `data.kubernetes_resources.${addressIn(this, "upgrade-guard/running")}.objects`;
    this.objects = objects;
    const checks = upgradeChecks(objects, props.expressions);
    this.preconditions = checks.preconditions;
    const deployment = scope.node.id;
    TerraformStack.of(this).addOverride(`check.${addressPrefix(deployment)}_upgrade_availability`, {
      assert: [{ condition: checks.warning.condition, error_message: checks.warning.errorMessage }],
    });
  }
}
