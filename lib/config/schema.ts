/**
 * The one schema of every QdrantDeployment input: type, default, validation and description.
 * The TypeScript props type, config-file validation, the README inputs table and (later) the module
 * stack's Terraform variables all come from here. Keys are camelCase; the Terraform variable's snake_case
 * name of each is derived by `snakeCase` (customerName → customer_name).
 * Cross-field rules (limits >= requests, bucket when backups are on, ...) live in the catalogue, rules/.
 */
import { z } from "zod";
import { collectionSchema, SEED_COLLECTIONS } from "./collections";
import { cronProblem } from "./cron";
import { dnsLabel, labelMap, quantity, serviceName, terraformChecks, wholeNumber } from "./field-types";
import { isCidr, isDns1123Subdomain } from "./kubernetes-formats";
import { isUnresolvedToken } from "./tokens";


/** `type.name` of a resource inside one deployment (no module path, no index). */
export const ADDRESS_IN_DEPLOYMENT = /^[a-z0-9_]+\.[A-Za-z0-9_-]+$/;

const NO_ZERO_LIMIT = "a container limited to zero cannot run";
const NO_EMPTY_VOLUME = "Kubernetes rejects a volume claim of size zero";

const resourceQuantities = (cpu: string, memory: string, positive?: string) =>
  z
    .strictObject({
      cpu: quantity("500m", positive).default(cpu).describe("CPU (cores or millicores)."),
      memory: quantity("2Gi", positive).default(memory).describe("Memory."),
    })
    .prefault({})
    .describe(positive ? "The most the container may use: CPU is throttled above it, the pod is killed (OOM) above the memory." : "What the scheduler reserves for the container on its node.");

export const resourcesSchema = z
  .strictObject({
    requests: resourceQuantities("1", "2Gi"),
    limits: resourceQuantities("4", "8Gi", NO_ZERO_LIMIT),
  })
  .describe("Qdrant container requests and limits. Default: 1 CPU / 2Gi requested, 4 CPU / 8Gi limit; 2Gi holds about 500K 1536-d vectors per pod with int8 quantization and the originals on disk (collection onDisk), 200K with neither; quantization alone adds its copy to the originals in RAM.");

export const tolerationSchema = z
  .strictObject({
    key: z.string().optional().describe("Taint key to tolerate; unset with operator Exists: every taint."),
    operator: z.enum(["Equal", "Exists"]).default("Equal").describe("Equal: the taint's value must be value; Exists: any value."),
    value: z.string().optional().describe("Taint value (operator Equal)."),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional().describe("Taint effect to tolerate; unset: every effect."),
    tolerationSeconds: wholeNumber(0).optional().describe("With effect NoExecute: how long the pod stays after the taint appears; unset: for ever."),
  })
  .describe("A Kubernetes toleration of the Qdrant pods.");

export const podSecuritySchema = z
  .strictObject({
    runAsUser: wholeNumber(1).default(1000).describe("UID (non-root)."),
    runAsGroup: wholeNumber(1).default(2000).describe("GID (non-root)."),
    fsGroup: wholeNumber(1).default(3000).describe("Group that owns the volumes."),
  })
  .describe("Pod user, group and volume group: non-root, as the restricted Pod Security profile requires; fsGroup owns the volumes.");

export const networkClientSchema = z
  .strictObject({
    podSelector: labelMap().optional().describe("Pods with these labels (in this namespace, or in namespaceSelector's namespaces)."),
    namespaceSelector: labelMap().optional().describe("Namespaces with these labels (e.g. kubernetes.io/metadata.name: open-webui)."),
    cidr: z
      .string()
      .refine((v) => isCidr(v), { error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' })
      .meta(terraformChecks({ check: "ipv4Cidr", error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' }))
      .optional()
      .describe("Addresses in this CIDR."),
  })
  .refine((c) => c.cidr !== undefined || c.podSelector !== undefined || c.namespaceSelector !== undefined, {
    error: "must set podSelector, namespaceSelector or cidr",
  })
  .refine((c) => c.cidr === undefined || (c.podSelector === undefined && c.namespaceSelector === undefined), {
    error: "cidr cannot be combined with selectors; list it as a separate client",
  })
  .meta(
    terraformChecks(
      { check: "clientTarget", error: "must set pod_selector, namespace_selector or cidr" },
      { check: "cidrAlone", error: "cidr cannot be combined with selectors; list it as a separate client" },
    ),
  )
  .describe("A client that may reach Qdrant when enableNetworkPolicy is on: pod and/or namespace selectors, or a CIDR.");

export const tlsSchema = z
  .strictObject({
    secretName: dnsLabel().optional().describe("Existing kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt)."),
    certManagerIssuer: z
      .strictObject({
        name: z.string().min(1).describe("Name of the cert-manager Issuer or ClusterIssuer."),
        kind: z.enum(["Issuer", "ClusterIssuer"]).default("ClusterIssuer").describe("Issuer (in the namespace) or ClusterIssuer."),
      })
      .optional()
      .describe("Have cert-manager issue the certificate (a Certificate object; needs cert-manager's CRDs)."),
    caInSecret: z
      .boolean()
      .default(true)
      .describe(
        "The Secret has ca.crt: Qdrant's peers verify each other's HTTPS with it (shard snapshot transfers), and the module's Jobs verify Qdrant with it. false: in cluster mode peers move shards as record streams over the peer port instead (stream_records).",
      ),
    extraDnsNames: z
      .array(
        z.string().refine((v) => isDns1123Subdomain(v.replace(/^\*\./, "")), {
          error: 'must be a lower-case DNS name, optionally starting with "*." (e.g. "qdrant.acme.example.com")',
        }),
      )
      .default([])
      .describe("More names for the cert-manager certificate, beside the Service and pod names: e.g. the DNS name clients use for the external NLB."),
  })
  .refine((t) => (t.secretName === undefined) !== (t.certManagerIssuer === undefined), {
    error: "must set exactly one of secretName (your certificate) or certManagerIssuer (cert-manager issues one)",
  })
  .refine((t) => t.secretName === undefined || t.extraDnsNames.length === 0, {
    path: ["extraDnsNames"],
    error: "applies to the certificate cert-manager issues (certManagerIssuer); with secretName, put the names in your own certificate",
  })
  .describe("Serve HTTPS and gRPC over TLS.");

export const sizingSchema = z
  .strictObject({
    expectedVectors: wholeNumber(1).describe("Points expected across all collections (before replication)."),
    payloadBytesPerPoint: wholeNumber(0).default(500).describe("Average payload size per point."),
  })
  .describe(
    "Capacity planning: with it, the memory request/limit and storageSize default to the estimate (npm run sizing shows the table), and synth warns when explicit values are below it.",
  );

export const autoscalingSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Create the HorizontalPodAutoscaler."),
    maxReplicas: wholeNumber(2).describe("Upper bound; the lower bound is replicas."),
    targetCpuUtilization: wholeNumber(1, 100).default(80).describe("Average CPU utilization (% of requests) to scale up at."),
    targetMemoryUtilization: wholeNumber(1, 100).default(80).describe("Average memory utilization (% of requests) to scale up at."),
    installMetricsServer: z.boolean().default(false).describe("Install metrics-server with Helm (EKS has none by default)."),
  })
  .describe("Scale-up-only HorizontalPodAutoscaler (cluster mode only).");

export const monitoringSchema = z
  .strictObject({
    serviceMonitor: z.boolean().default(false).describe("Create a Prometheus Operator ServiceMonitor (needs the operator's CRDs)."),
    prometheusRule: z.boolean().default(false).describe("Create a PrometheusRule with the alerts (needs the operator's CRDs and kube-state-metrics)."),
    scrapeInterval: z
      .string()
      .regex(/^\d+[smh]$/, { error: 'must be a duration such as "30s"' })
      .meta(terraformChecks({ check: "pattern", error: 'must be a duration such as "30s"' }))
      .default("30s")
      .describe("How often Prometheus scrapes Qdrant (ServiceMonitor)."),
    labels: labelMap().default({}).describe("Extra labels on the ServiceMonitor and PrometheusRule (e.g. release: kube-prometheus-stack)."),
    metricsPort: wholeNumber(1024, 65535).default(9090).describe("Qdrant >= v1.17: the unauthenticated metrics port."),
  })
  .describe("Prometheus Operator resources and the metrics port.");

export const API_KEY_SOURCES = ["generate", "variable", "existingSecret", "awsSecretsManager"] as const;
export const STORAGE_TYPES = ["gp3", "gp2", "io1", "io2"] as const;
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] as const;

export const qdrantInputShape = {
  customerName: serviceName().describe("Name of the customer; prefixes every object name (`<customerName>-qdrant`)."),
  resourceName: serviceName()
    .optional()
    .describe("Name of the StatefulSet and Service, prefix of the other objects. Default `<customerName>-qdrant`."),
  namespace: dnsLabel().default("qdrant").describe("Kubernetes namespace."),
  createNamespace: z.boolean().default(true).describe("Create the namespace (with the Pod Security `restricted` label); false to use an existing one."),
  qdrantImage: z.string().min(1).default("qdrant/qdrant").describe("Qdrant container image (without tag)."),
  qdrantVersion: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+(-[A-Za-z0-9.-]+)?$/, { error: 'must be a release tag such as "v1.19.0"' })
    .meta(terraformChecks({ check: "pattern", error: 'must be a release tag such as "v1.19.0"' }))
    .default("v1.19.0")
    .describe("Qdrant version (image tag); default: the newest release this project's tests cover."),
  replicas: wholeNumber(1).default(1).describe("Number of Qdrant pods; more than 1 runs Qdrant in cluster mode."),
  clusterMode: z
    .boolean()
    .optional()
    .describe(
      "Run Qdrant in cluster mode (Raft consensus, peers on port 6335). Default: on when replicas > 1. A running single node becomes a cluster in two applies: clusterMode: true at replicas: 1 (one restart; Qdrant moves its collections into the new one-peer cluster), then more replicas. CDKTF stacks only: the module always runs cluster mode.",
    ),
  storageSize: quantity("50Gi", NO_EMPTY_VOLUME).default("50Gi").describe("Size of each pod's data volume; 50Gi leaves 5x headroom for about 500K 1536-d vectors."),
  storageType: z.enum(STORAGE_TYPES).default("gp3").describe("EBS volume type of the StorageClass this module creates (EKS)."),
  storageIops: wholeNumber(100).optional().describe("Provisioned IOPS of the created StorageClass; required for io1/io2, optional for gp3."),
  storageClassName: z
    .string()
    .refine((v) => isUnresolvedToken(v) || isDns1123Subdomain(v), { error: "must be the name of an existing StorageClass (a DNS-1123 subdomain)" })
    .meta(terraformChecks({ check: "dns1123Subdomain", error: "must be the name of an existing StorageClass (a DNS-1123 subdomain)" }))
    .optional()
    .describe("Use this existing StorageClass instead of creating one (e.g. k3s's `local-path`)."),
  snapshotStorageSize: quantity("50Gi", NO_EMPTY_VOLUME)
    .optional()
    .describe("Size of each pod's snapshot volume (/qdrant/snapshots); must hold the largest collection's snapshot. Default: storageSize."),
  resources: resourcesSchema.prefault({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } }),
  enableAuthentication: z.boolean().default(true).describe("Require an API key for every request except health checks."),
  apiKey: z
    .string()
    .optional()
    .describe("API key as a Terraform expression (a sensitive variable); a literal key is rejected because it would be stored in plain text."),
  apiKeySource: z
    .enum(API_KEY_SOURCES)
    .optional()
    .describe(
      "Where the API keys come from: `generate` (random, kept in Terraform state), `variable` (sensitive variables), `existingSecret`, `awsSecretsManager` (EKS).",
    ),
  apiKeySecretName: dnsLabel().optional().describe("Existing Secret holding `api-key` and `read-only-api-key` (apiKeySource existingSecret)."),
  apiKeySecretsManagerId: z
    .string()
    .min(1)
    .optional()
    .describe("AWS Secrets Manager secret (name or ARN) whose JSON has `api-key` and `read-only-api-key` (apiKeySource awsSecretsManager)."),
  backupEnabled: z.boolean().default(true).describe("Enable automated backups."),
  backupS3Bucket: z.string().default("").describe("S3 bucket for backups."),
  backupSchedule: z
    .string()
    .refine((v) => isUnresolvedToken(v) || cronProblem(v) === undefined, {
      error: (issue) => `must be a cron schedule such as "0 2 * * *" (${cronProblem(String(issue.input))})`,
    })
    .meta(terraformChecks({ check: "cron", error: 'must be a cron schedule such as "0 2 * * *"' }))
    .default("0 2 * * *")
    .describe("Backup cron schedule (UTC)."),
  backupRetentionDays: wholeNumber(1).default(30).describe("Days to keep backups."),
  backupCreateBucket: z.boolean().default(false).describe("Create backupS3Bucket (encrypted, versioned, private, TLS-only, lifecycle, prevent_destroy) instead of using an existing bucket."),
  backupKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:/, { error: "must be a KMS key ARN" })
    .meta(terraformChecks({ check: "pattern", error: "must be a KMS key ARN" }))
    .optional().describe("SSE-KMS key of the backup bucket: a created bucket is encrypted with it (default SSE-S3); for an existing SSE-KMS bucket, its key, so the backup role may use it."),
  backupIdentity: z.enum(["irsa", "podIdentity"]).default("irsa").describe("How the backup pods get AWS credentials on EKS: IRSA, or EKS Pod Identity."),
  backupTarget: z.enum(["s3", "pvc"]).default("s3").describe("s3: the bucket (or an S3-compatible endpoint); pvc: a backup volume in the cluster (no object store needed)."),
  backupS3Endpoint: z
    .string()
    .url({ error: "must be a URL such as http://minio.minio:9000" })
    .meta(terraformChecks({ check: "httpUrl", error: "must be a URL such as http://minio.minio:9000" }))
    .optional().describe("S3-compatible endpoint (MinIO) instead of AWS S3."),
  backupS3CredentialsSecret: dnsLabel().optional().describe("Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for backupS3Endpoint."),
  backupVolumeSize: quantity("50Gi", NO_EMPTY_VOLUME).optional().describe("Size of the backup PVC (backupTarget pvc); default 4 x storageSize."),
  backupScratchSize: quantity("50Gi", NO_EMPTY_VOLUME).optional().describe("Scratch volume of the backup pods (one snapshot at a time); default snapshotStorageSize or storageSize."),
  backupScratchStorageClassName: z
    .string()
    .refine((v) => isUnresolvedToken(v) || isDns1123Subdomain(v), { error: "must be the name of an existing StorageClass (a DNS-1123 subdomain)" })
    .meta(terraformChecks({ check: "dns1123Subdomain", error: "must be the name of an existing StorageClass (a DNS-1123 subdomain)" }))
    .optional()
    .describe("StorageClass of the backup pods' scratch volumes; it must delete volumes with their claims. Default: `<name>-scratch` (EKS), or storageClassName."),
  backupRestoreTimestamp: z
    .string()
    .regex(/^(\d{8}_\d{6}|latest)$/, { error: 'must be a backup timestamp YYYYMMDD_HHMMSS or "latest"' })
    .meta(terraformChecks({ check: "pattern", error: 'must be a backup timestamp YYYYMMDD_HHMMSS or "latest"' }))
    .optional()
    .describe("Creates a restore Job for this backup (opt-in; remove after the restore)."),
  backupRestoreReplaceIncompatible: z
    .boolean()
    .default(false)
    .describe(
      "Lets the restore Job delete a collection that holds points but has another shard count or vectors than the backup, and recreate it from the backup; false: the restore refuses, writing nothing.",
    ),
  backupVerifySchedule: z
    .string()
    .refine((v) => isUnresolvedToken(v) || cronProblem(v) === undefined, {
      error: (issue) => `must be a cron schedule such as "0 5 * * 0" (${cronProblem(String(issue.input))})`,
    })
    .meta(terraformChecks({ check: "cron", error: 'must be a cron schedule such as "0 5 * * 0"' }))
    .optional()
    .describe("Schedule of a check that restores the newest backup that holds points into scratch collections and compares it (off when unset)."),
  eksClusterName: z.string().optional().describe("EKS cluster name (the EKS stack connects through it; IRSA finds its OIDC provider)."),
  collectionsConfig: z.array(collectionSchema).prefault(SEED_COLLECTIONS).describe("Collections to create; default `documents` and `conversations`: 1536 dimensions (OpenAI text-embedding-3-small), Cosine."),
  commonLabels: labelMap().default({}).describe("Labels added to every object but the volume claim templates (those carry fixed labels: Kubernetes never changes them)."),
  enableNetworkPolicy: z.boolean().default(false).describe("Restrict ingress to the Qdrant pods with NetworkPolicies."),
  networkPolicyClients: z
    .array(networkClientSchema)
    .default([])
    .describe("Who may reach 6333/6334 when enableNetworkPolicy is on: pod/namespace selectors or CIDRs."),
  monitoringNamespace: dnsLabel().default("monitoring").describe("Namespace whose pods may scrape metrics when enableNetworkPolicy is on."),
  restrictEgress: z.boolean().default(false).describe("With enableNetworkPolicy, also deny Qdrant's egress except DNS and its peers."),
  enableExternalAccess: z.boolean().default(false).describe("Expose 6333/6334 through an internal AWS NLB (AWS Load Balancer Controller)."),
  allowedCidrs: z
    .array(
      z
        .string()
        .refine((v) => isCidr(v), { error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' })
        .meta(terraformChecks({ check: "ipv4Cidr", error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' })),
    )
    .default([])
    .describe("Source ranges the external LoadBalancer accepts; required when enableExternalAccess is on."),
  enablePodAntiAffinity: z.boolean().default(true).describe("Keep Qdrant pods on different nodes (cluster mode)."),
  podAntiAffinityMode: z.enum(["required", "preferred"]).default("required").describe("required: never two peers on one node; preferred: spread when possible."),
  spreadAcrossZones: z.boolean().default(true).describe("Spread peers across zones (topology.kubernetes.io/zone, best effort) in cluster mode."),
  autoscaling: autoscalingSchema.optional(),
  sizing: sizingSchema.optional(),
  nodeSelector: labelMap().default({}).describe("Node selector for the Qdrant pods."),
  tolerations: z.array(tolerationSchema).default([]).describe("Tolerations for the Qdrant pods."),
  podSecurity: podSecuritySchema.prefault({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 }),
  startupTimeoutSeconds: wholeNumber(10).default(300).describe("How long Qdrant may take to load its data before liveness checks start."),
  applyWaitMinutes: wholeNumber(5)
    .default(12)
    .describe(
      "Longest one apply waits on Kubernetes: three quarters for the StatefulSet's rollout, the rest for the collection-init Job (at least 5: with 4 the Job would get 30 s in all and no time to wait for Qdrant). 12 fits the 15-minute EKS token; past it the apply stops with a timeout and the rollout goes on (kubectl rollout status).",
    ),
  clusterDomain: z.string().default("cluster.local").describe("Cluster DNS domain used in service_fqdn."),
  walCapacityMb: wholeNumber(1).optional().describe("Write-ahead-log segment size in MB (QDRANT__STORAGE__WAL__WAL_CAPACITY_MB); unset keeps Qdrant's 32."),
  maxRequestSizeMb: wholeNumber(1).optional().describe("Largest request body in MB (QDRANT__SERVICE__MAX_REQUEST_SIZE_MB); unset keeps Qdrant's 32."),
  jobImage: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/, {
      error: 'must be an image pinned by tag or digest, such as "alpine/k8s:1.33.4"',
    })
    .refine((v) => !v.endsWith(":latest"), { error: 'must be pinned; "latest" changes under you' })
    .meta(
      terraformChecks(
        { check: "pattern", error: 'must be an image pinned by tag or digest, such as "alpine/k8s:1.33.4"' },
        { check: "notLatest", error: 'must be pinned; "latest" changes under you' },
      ),
    )
    .default("alpine/k8s:1.33.4")
    .describe("Image of the module's Jobs (collection init): needs bash >= 5.1 (the pods' root filesystem is read-only, and older bash writes here-strings to a temporary file), curl and jq. The default bundles them (and the AWS CLI)."),
  tls: tlsSchema.optional(),
  monitoring: monitoringSchema.prefault({}),
  enforceInternalAuth: z
    .boolean()
    .default(true)
    .describe("Qdrant >= v1.18, cluster mode, authentication on: peers require the API key on 6335 too. Turn off for the rollout that upgrades a cluster from v1.17 or older."),
  telemetryEnabled: z.boolean().default(false).describe("Send Qdrant's anonymous usage telemetry (off: QDRANT__TELEMETRY_DISABLED=true)."),
  logLevel: z.enum(LOG_LEVELS).default("INFO").describe("Qdrant log level."),
  logFormat: z.enum(["json", "text"]).default("json").describe("Qdrant log format."),
  rolloutWhileUnready: z
    .boolean()
    .default(false)
    .describe(
      "Let a plan change a StatefulSet of several pods while one is not ready or a rollout is unfinished (refused otherwise: with parallel pod management, Kubernetes would restart a second pod). Set it only for the apply that fixes what keeps a pod from getting ready, then back to false.",
    ),
  allowScaleDown: z
    .boolean()
    .default(false)
    .describe(
      "Let a plan give the running StatefulSet fewer pods than it has (refused otherwise: Kubernetes stops every surplus peer at once, shards and all). Move every shard off the peers that go and remove them from the cluster first, set it for that apply, then back to false.",
    ),
  allowDestroy: z
    .array(
      z
        .string()
        .regex(ADDRESS_IN_DEPLOYMENT, { error: 'must be a Terraform address in this deployment such as "kubernetes_stateful_set_v1.qdrant"' })
        .meta(terraformChecks({ check: "pattern", error: 'must be a Terraform address in this deployment such as "kubernetes_stateful_set_v1.qdrant"' })),
    )
    .default([])
    .describe(
      "Addresses (e.g. `kubernetes_stateful_set_v1.qdrant`) the next plan may replace or delete: the plan guard refuses any other StatefulSet, PVC, bucket, namespace, generated key or API-key Secret going away, and an entry the plan does not use. Remove it after that apply.",
    ),
};

export const qdrantInputSchema = z.strictObject(qdrantInputShape);

/** What a caller passes (defaults optional). */
export type QdrantDeploymentInput = z.input<typeof qdrantInputSchema>;
/** After defaults. */
export type QdrantInputs = z.output<typeof qdrantInputSchema>;

/** camelCase → the Terraform variable's snake_case name (customerName → customer_name, backupS3Bucket → backup_s3_bucket). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}
