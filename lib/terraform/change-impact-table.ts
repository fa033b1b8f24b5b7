/**
 * The README's "What a change does" table: for every input, a before and an after deployment are synthesized and
 * their difference is classified (change-impact.ts, with the provider facts pinned in provider-facts.json). The
 * headline of each row is the most disruptive effect; where a change is refused, the row says by what and which
 * procedure gets there without downtime. `npm run docs` writes it; test/terraform/change-impact.test.ts checks it
 * against hand-written expectations and keeps the README in step.
 */
import { TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { QdrantDeployment } from "../qdrant-deployment";
import { qdrantInputShape, type QdrantDeploymentInput } from "../config/schema";
import { GUARDED_TYPES } from "./plan-guard";
import { changeImpact, Json, ResourceImpact } from "./change-impact";

type InputKey = keyof typeof qdrantInputShape;
type Props = Partial<QdrantDeploymentInput>;

/** What the table compares against: an EKS customer in cluster mode with backups to S3 and a NetworkPolicy. */
export const BASE: QdrantDeploymentInput = {
  customerName: "acme",
  qdrantVersion: "v1.18.3",
  replicas: 3,
  storageSize: "100Gi",
  apiKeySource: "generate",
  backupEnabled: true,
  backupS3Bucket: "acme-backups",
  eksClusterName: "eks",
  enableNetworkPolicy: true,
  networkPolicyClients: [{ namespaceSelector: { "kubernetes.io/metadata.name": "app" } }],
};

export interface Scenario {
  input: InputKey;
  /** The change, as the row shows it. */
  change: string;
  /** Applied to BASE for the before state (default: BASE itself). */
  before?: Props | ((stack: TerraformStack) => Props);
  /** Applied to the before state. */
  after: Props | ((stack: TerraformStack) => Props);
  /** For refused rows: the way there without downtime, or why there is none. */
  procedure?: string;
  /** What the table cannot show by diffing two stacks (a check at plan, a value that changes at apply). */
  note?: string;
}

const variable = (stack: TerraformStack, name: string) => Token.asString(new TerraformVariable(stack, name, { type: "string", sensitive: true }).value);
const GROW = 'docs/runbook.md "Grow the volumes": resize each PVC, delete the StatefulSet with `--cascade=orphan` (pods keep running), apply';
const NEW_DEPLOYMENT = "a new deployment beside the old one, restored from a backup (docs/runbook.md, Restore); then switch clients and remove the old one";

export const SCENARIOS: Scenario[] = [
  { input: "customerName", change: '"acme" → "initech"', after: { customerName: "initech" }, procedure: `renames every object: ${NEW_DEPLOYMENT}` },
  { input: "resourceName", change: 'unset → "search"', after: { resourceName: "search" }, procedure: `renames every object: ${NEW_DEPLOYMENT}` },
  { input: "namespace", change: '"qdrant" → "search"', after: { namespace: "search" }, procedure: NEW_DEPLOYMENT },
  {
    input: "createNamespace",
    change: "true → false",
    after: { createNamespace: false },
    procedure: "keep the namespace: `terraform state rm kubernetes_namespace_v1.qdrant` (module: `module.qdrant.kubernetes_namespace_v1.qdrant[0]`) before the apply, so Terraform forgets it instead of deleting it",
  },
  { input: "qdrantImage", change: "another registry", after: { qdrantImage: "registry.example.com/qdrant/qdrant" } },
  {
    input: "qdrantVersion",
    change: "v1.18.3 → v1.19.0",
    after: { qdrantVersion: "v1.19.0" },
    note: "refused at plan when it skips a minor version or goes down (the running StatefulSet's image is read); warns when a collection has one replica or there is one pod",
  },
  { input: "replicas", change: "3 → 4", after: { replicas: 4 }, note: "new peers hold no shards until you move or replicate some (Scaling and sizing)" },
  {
    input: "clusterMode",
    change: "unset → true at replicas 1",
    before: { replicas: 1 },
    after: { replicas: 1, clusterMode: true },
    note: "the first of two applies that turn a running single node into a cluster: Qdrant moves its collections into a one-peer cluster; raise replicas in the next (Scaling and sizing)",
  },
  { input: "storageSize", change: '"100Gi" → "200Gi"', after: { storageSize: "200Gi" }, procedure: GROW },
  { input: "storageType", change: '"gp3" → "gp2"', after: { storageType: "gp2" }, procedure: `existing volumes keep their class and type; ${NEW_DEPLOYMENT}` },
  { input: "storageIops", change: "unset → 6000", after: { storageIops: 6000 }, note: "new volumes only; existing ones keep their IOPS (change them in EBS)" },
  { input: "storageClassName", change: 'unset → "gp3-encrypted"', after: { storageClassName: "gp3-encrypted" }, procedure: `existing volumes keep their class; ${NEW_DEPLOYMENT}` },
  { input: "snapshotStorageSize", change: 'unset → "50Gi"', after: { snapshotStorageSize: "50Gi" }, procedure: GROW },
  { input: "resources", change: "memory limit 8Gi → 16Gi", after: { resources: { limits: { memory: "16Gi" } } } },
  {
    input: "enableAuthentication",
    change: "true → false",
    after: { enableAuthentication: false, apiKeySource: undefined },
    procedure: "the generated keys and their Secret go: name them in allowDestroy for that apply",
  },
  {
    input: "apiKey",
    change: "another key expression",
    before: (stack) => ({ apiKeySource: undefined, apiKey: variable(stack, "key_a") }),
    after: (stack) => ({ apiKey: variable(stack, "key_b") }),
    note: "a new key value does the same: the Secret's checksum annotation rolls the pods; in cluster mode (internal auth on) a new read-write key in one step stalls that rollout, as updated peers reject the others' key: rotate in three steps (Security, \"Rotating a key\")",
  },
  {
    input: "apiKeySource",
    change: '"generate" → "variable"',
    after: { apiKeySource: "variable" },
    procedure: "the generated keys go (clients need the new ones): name them in allowDestroy for that apply; without downtime, rotate through alt-api-key first (Security)",
  },
  { input: "apiKeySecretName", change: '"keys-a" → "keys-b"', before: { apiKeySource: "existingSecret", apiKeySecretName: "keys-a" }, after: { apiKeySecretName: "keys-b" } },
  {
    input: "apiKeySecretsManagerId",
    change: '"qdrant/a" → "qdrant/b"',
    before: { apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/a" },
    after: { apiKeySecretsManagerId: "qdrant/b" },
    note: "a secret with other keys is a key change: in cluster mode go through the three rotation steps (Security, \"Rotating a key\"), not one switch",
  },
  { input: "backupEnabled", change: "true → false", after: { backupEnabled: false } },
  { input: "backupS3Bucket", change: "another bucket", after: { backupS3Bucket: "acme-backups-2" } },
  { input: "backupSchedule", change: '"0 2 * * *" → "0 4 * * *"', after: { backupSchedule: "0 4 * * *" } },
  { input: "backupRetentionDays", change: "30 → 14", after: { backupRetentionDays: 14 } },
  { input: "backupCreateBucket", change: "false → true", after: { backupCreateBucket: true } },
  {
    input: "backupCreateBucket",
    change: "true → false",
    before: { backupCreateBucket: true },
    after: { backupCreateBucket: false },
    procedure: "keep the bucket and its backups: take its seven resources out of state first (Publish it as a Terraform module)",
  },
  { input: "backupKmsKeyArn", change: "unset → a key", before: { backupCreateBucket: true }, after: { backupKmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd" } },
  { input: "backupIdentity", change: '"irsa" → "podIdentity"', after: { backupIdentity: "podIdentity" } },
  { input: "backupTarget", change: '"s3" → "pvc"', after: { backupTarget: "pvc" } },
  {
    input: "backupTarget",
    change: '"pvc" → "s3"',
    before: { backupTarget: "pvc" },
    after: { backupTarget: "s3" },
    procedure: "the backup volume and its backups go: copy them off first, then name the PVC in allowDestroy for that apply (to keep it, terraform state rm it before that apply instead: its prevent_destroy goes with its block)",
  },
  { input: "backupS3Endpoint", change: "unset → MinIO", after: { backupS3Endpoint: "http://minio.minio:9000", backupS3CredentialsSecret: "minio" } },
  {
    input: "backupS3CredentialsSecret",
    change: '"minio-a" → "minio-b"',
    before: { backupS3Endpoint: "http://minio.minio:9000", backupS3CredentialsSecret: "minio-a" },
    after: { backupS3CredentialsSecret: "minio-b" },
  },
  { input: "backupVolumeSize", change: '"400Gi" → "800Gi"', before: { backupTarget: "pvc", backupVolumeSize: "400Gi" }, after: { backupVolumeSize: "800Gi" } },
  {
    input: "backupVolumeSize",
    change: '"400Gi" → "200Gi"',
    before: { backupTarget: "pvc", backupVolumeSize: "400Gi" },
    after: { backupVolumeSize: "200Gi" },
    procedure: "a claim cannot shrink: the provider replaces it and its backups go; keep the size",
  },
  { input: "backupScratchSize", change: 'unset → "50Gi"', after: { backupScratchSize: "50Gi" } },
  { input: "backupScratchStorageClassName", change: 'unset → "scratch"', after: { backupScratchStorageClassName: "scratch" } },
  {
    input: "backupRestoreTimestamp",
    change: 'unset → "latest"',
    after: { backupRestoreTimestamp: "latest" },
    note: "the restore Job overwrites the collections with the backup's data; remove the input afterwards (the Job goes)",
  },
  {
    input: "backupRestoreReplaceIncompatible",
    change: "false → true, during a restore",
    before: { backupRestoreTimestamp: "latest" },
    after: { backupRestoreReplaceIncompatible: true },
    note: "only the restore Job reads it: set it in the same change as backupRestoreTimestamp; changed while a restore Job exists, it replaces that Job, which restores again (the plan guard refuses that unless allowDestroy names the Job)",
  },
  { input: "backupVerifySchedule", change: 'unset → "0 5 * * 0"', before: { replicas: 1 }, after: { backupVerifySchedule: "0 5 * * 0" } },
  { input: "eksClusterName", change: "another cluster", after: { eksClusterName: "eks-2" }, note: "the kubernetes provider of the EKS stacks connects to the named cluster: a new cluster is a new deployment (the backup role's name carries the cluster, so its role is a new one)" },
  { input: "collectionsConfig", change: "one more collection", after: { collectionsConfig: [{ name: "documents", vectorSize: 1536 }, { name: "conversations", vectorSize: 1536 }, { name: "notes", vectorSize: 768 }] } },
  { input: "commonLabels", change: "{} → { team: search }", after: { commonLabels: { team: "search" } } },
  { input: "enableNetworkPolicy", change: "true → false", after: { enableNetworkPolicy: false, networkPolicyClients: [] } },
  { input: "networkPolicyClients", change: "another client", after: { networkPolicyClients: [{ podSelector: { app: "search-api" } }] } },
  { input: "monitoringNamespace", change: '"monitoring" → "observability"', after: { monitoringNamespace: "observability" } },
  { input: "restrictEgress", change: "false → true", after: { restrictEgress: true } },
  { input: "enableExternalAccess", change: "false → true", after: { enableExternalAccess: true, allowedCidrs: ["10.0.0.0/8"] } },
  { input: "allowedCidrs", change: "another range", before: { enableExternalAccess: true, allowedCidrs: ["10.0.0.0/8"] }, after: { allowedCidrs: ["10.1.0.0/16"] } },
  { input: "enablePodAntiAffinity", change: "true → false", after: { enablePodAntiAffinity: false } },
  { input: "podAntiAffinityMode", change: '"required" → "preferred"', after: { podAntiAffinityMode: "preferred" } },
  { input: "spreadAcrossZones", change: "true → false", after: { spreadAcrossZones: false } },
  { input: "autoscaling", change: "unset → up to 6 peers", after: { autoscaling: { enabled: true, maxReplicas: 6 } } },
  { input: "sizing", change: "unset → 10M vectors", after: { sizing: { expectedVectors: 10000000 } } },
  { input: "nodeSelector", change: "{} → a node label", after: { nodeSelector: { "node-type": "memory-optimized" } } },
  { input: "tolerations", change: "[] → a toleration", after: { tolerations: [{ key: "dedicated", value: "qdrant", effect: "NoSchedule" }] } },
  { input: "podSecurity", change: "runAsUser 1000 → 1001", after: { podSecurity: { runAsUser: 1001 } } },
  { input: "applyWaitMinutes", change: "12 → 20", after: { applyWaitMinutes: 20 } },
  { input: "startupTimeoutSeconds", change: "300 → 600", after: { startupTimeoutSeconds: 600 } },
  { input: "clusterDomain", change: '"cluster.local" → "k8s.local"', after: { clusterDomain: "k8s.local" } },
  { input: "walCapacityMb", change: "unset → 64", after: { walCapacityMb: 64 } },
  { input: "maxRequestSizeMb", change: "unset → 64", after: { maxRequestSizeMb: 64 } },
  { input: "jobImage", change: "another tag", after: { jobImage: "alpine/k8s:1.33.5" } },
  {
    input: "tls",
    change: "unset → a certificate Secret",
    after: { tls: { secretName: "qdrant-tls" } },
    note: "until the last pod has restarted, the Service sends some requests to pods that speak https and some to pods that speak http: switch clients to https after the rollout, and expect failed requests during it",
  },
  { input: "monitoring", change: "ServiceMonitor on", after: { monitoring: { serviceMonitor: true } } },
  { input: "enforceInternalAuth", change: "true → false (v1.19)", before: { qdrantVersion: "v1.19.0" }, after: { enforceInternalAuth: false } },
  { input: "telemetryEnabled", change: "false → true", after: { telemetryEnabled: true } },
  { input: "logLevel", change: '"INFO" → "DEBUG"', after: { logLevel: "DEBUG" } },
  { input: "logFormat", change: '"json" → "text"', after: { logFormat: "text" } },
  { input: "allowScaleDown", change: "false → true", after: { allowScaleDown: true }, note: "only the StatefulSet's scale-down precondition reads it: set it for the apply that lowers replicas once the surplus peers hold no shard, then back to false" },
  { input: "rolloutWhileUnready", change: "false → true", after: { rolloutWhileUnready: true }, note: "only the StatefulSet's readiness precondition reads it, at plan" },
  { input: "allowDestroy", change: "[] → the StatefulSet", after: { allowDestroy: ["kubernetes_stateful_set_v1.qdrant"] }, note: "only the plan guard reads it (and refuses it when the plan does not replace that address)" },
];

/** Effects, least to most disruptive; a row's headline is its worst. */
export const EFFECTS = ["nothing", "in place", "Job re-run", "rolling restart", "replaced", "refused", "never applied"] as const;
export type Effect = (typeof EFFECTS)[number];

export interface Row {
  scenario: Scenario;
  headline: Effect;
  /** Per resource: its effect and a short reason. */
  details: { address: string; effect: Effect; what: string }[];
}

function synthesize(props: (stack: TerraformStack) => Props): Json {
  const stack = new TerraformStack(Testing.app(), "change-impact");
  new QdrantDeployment(stack, "qdrant", props(stack) as QdrantDeploymentInput);
  return JSON.parse(Testing.synth(stack)) as Json;
}

const asFunction = (p: Scenario["before"]) => (typeof p === "function" ? p : () => p ?? {});

/** The effect of one resource's change on a running deployment. */
export function effectOf(impact: ResourceImpact): { effect: Effect; what: string } {
  const { type, action, changes } = impact;
  const guarded = type in GUARDED_TYPES || impact.address === "kubernetes_secret_v1.qdrant_api_key";
  if (type === "terraform_data") return { effect: "nothing", what: impact.address.endsWith("_restore_request") ? "the restore request (its id marks the restore done once it completes)" : "the plan guard's marker" };
  // A change the provider plans and never sends is the worst outcome: the plan shows it again and again.
  const neverSent = [...new Set(changes.filter((c) => c.notApplied).map((c) => c.path))];
  if (action !== "replace" && neverSent.length > 0) return { effect: "never applied", what: `planned in place, never sent (a diff forever): ${neverSent.join(", ")}` };
  if ((action === "replace" || action === "delete") && guarded) return { effect: "refused", what: `${action === "replace" ? "replaced" : "deleted"}: the plan guard refuses it unless allowDestroy names it` };
  if (action === "ignored" || (action === "update" && changes.some((c) => c.ignored))) {
    // Sizes or class written differently; an unchanged class name read from a replaced StorageClass is not refused.
    const claims = changes.filter((c) => c.ignored && !c.propagated && /^spec\.volume_claim_template\.spec\.(resources|storage_class_name)/.test(c.path));
    if (claims.length > 0) return { effect: "refused", what: "claim templates cannot change: refused at plan while the StatefulSet runs" };
  }
  if (action === "ignored") return { effect: "nothing", what: "ignored by Terraform (lifecycle.ignore_changes)" };
  if (action === "replace" && type === "kubernetes_job_v1") return { effect: "Job re-run", what: "replaced: the Job runs again" };
  if (action === "create" && type === "kubernetes_job_v1") return { effect: "Job re-run", what: "created: the Job runs" };
  if (action === "replace") return { effect: "replaced", what: `replaced (${[...new Set(changes.filter((c) => c.forceNew).map((c) => c.path))].join(", ")})` };
  if (action === "create") return { effect: "in place", what: "created" };
  if (action === "delete") return { effect: "in place", what: "deleted" };
  if (type === "kubernetes_stateful_set_v1" && changes.some((c) => !c.ignored && c.path.startsWith("spec.template."))) {
    return { effect: "rolling restart", what: "pod template changes: pods restart one at a time" };
  }
  if (type === "kubernetes_stateful_set_v1" && changes.some((c) => c.path === "spec.replicas")) return { effect: "in place", what: "scaled" };
  return { effect: "in place", what: "updated" };
}

/** Every scenario, classified (synthesizes two deployments each; BASE once). */
export function changeImpactRows(scenarios: Scenario[] = SCENARIOS): Row[] {
  const cache = new Map<string, Json>();
  const once = (key: string, props: (stack: TerraformStack) => Props) => {
    if (!cache.has(key)) cache.set(key, synthesize(props));
    return cache.get(key) as Json;
  };
  return scenarios.map((scenario) => {
    const before = (stack: TerraformStack): Props => ({ ...BASE, ...asFunction(scenario.before)(stack) });
    const beforeJson = once(scenario.before === undefined ? "base" : `${scenario.input}:${scenario.change}:before`, before);
    const afterJson = synthesize((stack) => ({ ...before(stack), ...asFunction(scenario.after)(stack) }));
    const details = changeImpact(beforeJson, afterJson).map((impact) => ({ address: impact.address, ...effectOf(impact) }));
    const headline = details.reduce<Effect>((worst, d) => (EFFECTS.indexOf(d.effect) > EFFECTS.indexOf(worst) ? d.effect : worst), "nothing");
    return { scenario, headline, details };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The markdown table. */
export function changeImpactMarkdown(rows: Row[]): string {
  const lines = rows.map(({ scenario, headline, details }) => {
    const byEffect = new Map<string, string[]>();
    for (const d of details.filter((x) => x.effect !== "nothing")) {
      const key = d.what;
      byEffect.set(key, [...(byEffect.get(key) ?? []), `\`${d.address}\``]);
    }
    const what = [...byEffect].map(([reason, addresses]) => `${addresses.join(", ")}: ${reason}`).join("; ") || "no object on the cluster changes";
    const extra = [scenario.procedure ? `**Safe way:** ${scenario.procedure}.` : "", scenario.note ? `Note: ${scenario.note}.` : ""].filter(Boolean).join(" ");
    return `| \`${scenario.input}\` | ${cell(scenario.change)} | **${headline}** | ${cell(what)}${extra ? ` ${cell(extra)}` : ""} |`;
  });
  return ["| Input | Change | What it does | Details |", "|---|---|---|---|", ...lines].join("\n");
}
