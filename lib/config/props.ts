/**
 * Generated from lib/config/schema.ts by tools/props-interface.ts (`npm run docs`); do not edit.
 * test/tools/props-interface.test.ts keeps it current and checks that the props accept exactly what the schema accepts.
 */
import type { QdrantCollection } from "./collection-props";

/** QdrantDeployment's props: every input of the deployment, as config files take them too. */
export interface QdrantDeploymentProps {
  /** Name of the customer; prefixes every object name (`<customerName>-qdrant`). */
  readonly customerName: string;
  /**
   * Name of the StatefulSet and Service, prefix of the other objects. Default `<customerName>-qdrant`.
   * @default - `<customerName>-qdrant`
   */
  readonly resourceName?: string;
  /** Kubernetes namespace. @default "qdrant" */
  readonly namespace?: string;
  /** Create the namespace (with the Pod Security `restricted` label); false to use an existing one. @default true */
  readonly createNamespace?: boolean;
  /** Qdrant container image (without tag). @default "qdrant/qdrant" */
  readonly qdrantImage?: string;
  /** Qdrant version (image tag); default: the newest release this project's tests cover. @default "v1.19.0" */
  readonly qdrantVersion?: string;
  /** Number of Qdrant pods; more than 1 runs Qdrant in cluster mode. @default 1 */
  readonly replicas?: number;
  /**
   * Run Qdrant in cluster mode (Raft consensus, peers on port 6335). Default: on when replicas > 1. A running
   * single node becomes a cluster in two applies: clusterMode: true at replicas: 1 (one restart; Qdrant moves its
   * collections into the new one-peer cluster), then more replicas. CDKTF stacks only: the module always runs
   * cluster mode.
   * @default - on when replicas > 1
   */
  readonly clusterMode?: boolean;
  /** Size of each pod's data volume; 50Gi leaves 5x headroom for about 500K 1536-d vectors. @default "50Gi" */
  readonly storageSize?: string;
  /** EBS volume type of the StorageClass this module creates (EKS). @default "gp3" */
  readonly storageType?: "gp3" | "gp2" | "io1" | "io2";
  /** Provisioned IOPS of the created StorageClass; required for io1/io2, optional for gp3. @default - unset */
  readonly storageIops?: number;
  /** Use this existing StorageClass instead of creating one (e.g. k3s's `local-path`). @default - unset */
  readonly storageClassName?: string;
  /**
   * Size of each pod's snapshot volume (/qdrant/snapshots); must hold the largest collection's snapshot. Default:
   * storageSize.
   * @default - storageSize
   */
  readonly snapshotStorageSize?: string;
  /**
   * Qdrant container requests and limits. Default: 1 CPU / 2Gi requested, 4 CPU / 8Gi limit; 2Gi holds about 500K
   * 1536-d vectors per pod with int8 quantization and the originals on disk (collection onDisk), 200K with
   * neither; quantization alone adds its copy to the originals in RAM.
   * @default { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } }
   */
  readonly resources?: QdrantResourceSettings;
  /** Require an API key for every request except health checks. @default true */
  readonly enableAuthentication?: boolean;
  /**
   * API key as a Terraform expression (a sensitive variable); a literal key is rejected because it would be stored
   * in plain text.
   * @default - unset
   */
  readonly apiKey?: string;
  /**
   * Where the API keys come from: `generate` (random, kept in Terraform state), `variable` (sensitive variables),
   * `existingSecret`, `awsSecretsManager` (EKS).
   * @default - unset
   */
  readonly apiKeySource?: "generate" | "variable" | "existingSecret" | "awsSecretsManager";
  /** Existing Secret holding `api-key` and `read-only-api-key` (apiKeySource existingSecret). @default - unset */
  readonly apiKeySecretName?: string;
  /**
   * AWS Secrets Manager secret (name or ARN) whose JSON has `api-key` and `read-only-api-key` (apiKeySource
   * awsSecretsManager).
   * @default - unset
   */
  readonly apiKeySecretsManagerId?: string;
  /** Enable automated backups. @default true */
  readonly backupEnabled?: boolean;
  /** S3 bucket for backups. @default "" */
  readonly backupS3Bucket?: string;
  /** Backup cron schedule (UTC). @default "0 2 * * *" */
  readonly backupSchedule?: string;
  /** Days to keep backups. @default 30 */
  readonly backupRetentionDays?: number;
  /**
   * Create backupS3Bucket (encrypted, versioned, private, TLS-only, lifecycle, prevent_destroy) instead of using
   * an existing bucket.
   * @default false
   */
  readonly backupCreateBucket?: boolean;
  /**
   * SSE-KMS key of the backup bucket: a created bucket is encrypted with it (default SSE-S3); for an existing
   * SSE-KMS bucket, its key, so the backup role may use it.
   * @default - SSE-S3
   */
  readonly backupKmsKeyArn?: string;
  /** How the backup pods get AWS credentials on EKS: IRSA, or EKS Pod Identity. @default "irsa" */
  readonly backupIdentity?: "irsa" | "podIdentity";
  /**
   * s3: the bucket (or an S3-compatible endpoint); pvc: a backup volume in the cluster (no object store needed).
   * @default "s3"
   */
  readonly backupTarget?: "s3" | "pvc";
  /** S3-compatible endpoint (MinIO) instead of AWS S3. @default - unset */
  readonly backupS3Endpoint?: string;
  /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for backupS3Endpoint. @default - unset */
  readonly backupS3CredentialsSecret?: string;
  /** Size of the backup PVC (backupTarget pvc); default 4 x storageSize. @default - 4 x storageSize */
  readonly backupVolumeSize?: string;
  /**
   * Scratch volume of the backup pods (one snapshot at a time); default snapshotStorageSize or storageSize.
   * @default - snapshotStorageSize or storageSize
   */
  readonly backupScratchSize?: string;
  /**
   * StorageClass of the backup pods' scratch volumes; it must delete volumes with their claims. Default:
   * `<name>-scratch` (EKS), or storageClassName.
   * @default - `<name>-scratch` (EKS), or storageClassName
   */
  readonly backupScratchStorageClassName?: string;
  /** Creates a restore Job for this backup (opt-in; remove after the restore). @default - unset */
  readonly backupRestoreTimestamp?: string;
  /**
   * Lets the restore Job delete a collection that holds points but has another shard count or vectors than the
   * backup, and recreate it from the backup; false: the restore refuses, writing nothing.
   * @default false
   */
  readonly backupRestoreReplaceIncompatible?: boolean;
  /**
   * Schedule of a check that restores the newest backup that holds points into scratch collections and compares it
   * (off when unset).
   * @default - unset
   */
  readonly backupVerifySchedule?: string;
  /** EKS cluster name (the EKS stack connects through it; IRSA finds its OIDC provider). @default - unset */
  readonly eksClusterName?: string;
  /**
   * Collections to create; default `documents` and `conversations`: 1536 dimensions (OpenAI
   * text-embedding-3-small), Cosine.
   * @default [{ name: "documents", vectorSize: 1536, distance: "Cosine" }, { name: "conversations", vectorSize: 1536, distance: "Cosine" }]
   */
  readonly collectionsConfig?: QdrantCollection[];
  /**
   * Labels added to every object but the volume claim templates (those carry fixed labels: Kubernetes never
   * changes them).
   * @default {}
   */
  readonly commonLabels?: Record<string, string>;
  /** Restrict ingress to the Qdrant pods with NetworkPolicies. @default false */
  readonly enableNetworkPolicy?: boolean;
  /** Who may reach 6333/6334 when enableNetworkPolicy is on: pod/namespace selectors or CIDRs. @default [] */
  readonly networkPolicyClients?: QdrantNetworkClient[];
  /** Namespace whose pods may scrape metrics when enableNetworkPolicy is on. @default "monitoring" */
  readonly monitoringNamespace?: string;
  /** With enableNetworkPolicy, also deny Qdrant's egress except DNS and its peers. @default false */
  readonly restrictEgress?: boolean;
  /** Expose 6333/6334 through an internal AWS NLB (AWS Load Balancer Controller). @default false */
  readonly enableExternalAccess?: boolean;
  /** Source ranges the external LoadBalancer accepts; required when enableExternalAccess is on. @default [] */
  readonly allowedCidrs?: string[];
  /** Keep Qdrant pods on different nodes (cluster mode). @default true */
  readonly enablePodAntiAffinity?: boolean;
  /** required: never two peers on one node; preferred: spread when possible. @default "required" */
  readonly podAntiAffinityMode?: "required" | "preferred";
  /** Spread peers across zones (topology.kubernetes.io/zone, best effort) in cluster mode. @default true */
  readonly spreadAcrossZones?: boolean;
  /** Scale-up-only HorizontalPodAutoscaler (cluster mode only). @default - unset */
  readonly autoscaling?: QdrantAutoscalingSettings;
  /**
   * Capacity planning: with it, the memory request/limit and storageSize default to the estimate (npm run sizing
   * shows the table), and synth warns when explicit values are below it.
   * @default - unset
   */
  readonly sizing?: QdrantSizingSettings;
  /** Node selector for the Qdrant pods. @default {} */
  readonly nodeSelector?: Record<string, string>;
  /** Tolerations for the Qdrant pods. @default [] */
  readonly tolerations?: QdrantToleration[];
  /**
   * Pod user, group and volume group: non-root, as the restricted Pod Security profile requires; fsGroup owns the
   * volumes.
   * @default { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 }
   */
  readonly podSecurity?: QdrantPodSecuritySettings;
  /** How long Qdrant may take to load its data before liveness checks start. @default 300 */
  readonly startupTimeoutSeconds?: number;
  /**
   * Longest one apply waits on Kubernetes: three quarters for the StatefulSet's rollout, the rest for the
   * collection-init Job (at least 5: with 4 the Job would get 30 s in all and no time to wait for Qdrant). 12 fits
   * the 15-minute EKS token; past it the apply stops with a timeout and the rollout goes on (kubectl rollout
   * status).
   * @default 12
   */
  readonly applyWaitMinutes?: number;
  /** Cluster DNS domain used in service_fqdn. @default "cluster.local" */
  readonly clusterDomain?: string;
  /**
   * Write-ahead-log segment size in MB (QDRANT__STORAGE__WAL__WAL_CAPACITY_MB); unset keeps Qdrant's 32.
   * @default - unset
   */
  readonly walCapacityMb?: number;
  /** Largest request body in MB (QDRANT__SERVICE__MAX_REQUEST_SIZE_MB); unset keeps Qdrant's 32. @default - unset */
  readonly maxRequestSizeMb?: number;
  /**
   * Image of the module's Jobs (collection init): needs bash >= 5.1 (the pods' root filesystem is read-only, and
   * older bash writes here-strings to a temporary file), curl and jq. The default bundles them (and the AWS CLI).
   * @default "alpine/k8s:1.33.4"
   */
  readonly jobImage?: string;
  /** Serve HTTPS and gRPC over TLS. @default - unset */
  readonly tls?: QdrantTlsSettings;
  /** Prometheus Operator resources and the metrics port. @default - each field's default */
  readonly monitoring?: QdrantMonitoringSettings;
  /**
   * Qdrant >= v1.18, cluster mode, authentication on: peers require the API key on 6335 too. Turn off for the
   * rollout that upgrades a cluster from v1.17 or older.
   * @default true
   */
  readonly enforceInternalAuth?: boolean;
  /** Send Qdrant's anonymous usage telemetry (off: QDRANT__TELEMETRY_DISABLED=true). @default false */
  readonly telemetryEnabled?: boolean;
  /** Qdrant log level. @default "INFO" */
  readonly logLevel?: "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Qdrant log format. @default "json" */
  readonly logFormat?: "json" | "text";
  /**
   * Let a plan change a StatefulSet of several pods while one is not ready or a rollout is unfinished (refused
   * otherwise: with parallel pod management, Kubernetes would restart a second pod). Set it only for the apply
   * that fixes what keeps a pod from getting ready, then back to false.
   * @default false
   */
  readonly rolloutWhileUnready?: boolean;
  /**
   * Let a plan give the running StatefulSet fewer pods than it has (refused otherwise: Kubernetes stops every
   * surplus peer at once, shards and all). Move every shard off the peers that go and remove them from the cluster
   * first, set it for that apply, then back to false.
   * @default false
   */
  readonly allowScaleDown?: boolean;
  /**
   * Addresses (e.g. `kubernetes_stateful_set_v1.qdrant`) the next plan may replace or delete: the plan guard
   * refuses any other StatefulSet, PVC, bucket, namespace, generated key or API-key Secret going away, and an
   * entry the plan does not use. Remove it after that apply.
   * @default []
   */
  readonly allowDestroy?: string[];
}

/**
 * Qdrant container requests and limits. Default: 1 CPU / 2Gi requested, 4 CPU / 8Gi limit; 2Gi holds about 500K
 * 1536-d vectors per pod with int8 quantization and the originals on disk (collection onDisk), 200K with
 * neither; quantization alone adds its copy to the originals in RAM.
 */
export interface QdrantResourceSettings {
  /** What the scheduler reserves for the container on its node. @default - each field's default */
  readonly requests?: {
    /** CPU (cores or millicores). @default "1" */
    readonly cpu?: string;
    /** Memory. @default "2Gi" */
    readonly memory?: string;
  };
  /**
   * The most the container may use: CPU is throttled above it, the pod is killed (OOM) above the memory.
   * @default - each field's default
   */
  readonly limits?: {
    /** CPU (cores or millicores). @default "4" */
    readonly cpu?: string;
    /** Memory. @default "8Gi" */
    readonly memory?: string;
  };
}

/** A client that may reach Qdrant when enableNetworkPolicy is on: pod and/or namespace selectors, or a CIDR. */
export interface QdrantNetworkClient {
  /** Pods with these labels (in this namespace, or in namespaceSelector's namespaces). @default - unset */
  readonly podSelector?: Record<string, string>;
  /** Namespaces with these labels (e.g. kubernetes.io/metadata.name: open-webui). @default - unset */
  readonly namespaceSelector?: Record<string, string>;
  /** Addresses in this CIDR. @default - unset */
  readonly cidr?: string;
}

/** Scale-up-only HorizontalPodAutoscaler (cluster mode only). */
export interface QdrantAutoscalingSettings {
  /** Create the HorizontalPodAutoscaler. @default false */
  readonly enabled?: boolean;
  /** Upper bound; the lower bound is replicas. */
  readonly maxReplicas: number;
  /** Average CPU utilization (% of requests) to scale up at. @default 80 */
  readonly targetCpuUtilization?: number;
  /** Average memory utilization (% of requests) to scale up at. @default 80 */
  readonly targetMemoryUtilization?: number;
  /** Install metrics-server with Helm (EKS has none by default). @default false */
  readonly installMetricsServer?: boolean;
}

/**
 * Capacity planning: with it, the memory request/limit and storageSize default to the estimate (npm run sizing
 * shows the table), and synth warns when explicit values are below it.
 */
export interface QdrantSizingSettings {
  /** Points expected across all collections (before replication). */
  readonly expectedVectors: number;
  /** Average payload size per point. @default 500 */
  readonly payloadBytesPerPoint?: number;
}

/** A Kubernetes toleration of the Qdrant pods. */
export interface QdrantToleration {
  /** Taint key to tolerate; unset with operator Exists: every taint. @default - unset */
  readonly key?: string;
  /** Equal: the taint's value must be value; Exists: any value. @default "Equal" */
  readonly operator?: "Equal" | "Exists";
  /** Taint value (operator Equal). @default - unset */
  readonly value?: string;
  /** Taint effect to tolerate; unset: every effect. @default - unset */
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** With effect NoExecute: how long the pod stays after the taint appears; unset: for ever. @default - unset */
  readonly tolerationSeconds?: number;
}

/**
 * Pod user, group and volume group: non-root, as the restricted Pod Security profile requires; fsGroup owns the
 * volumes.
 */
export interface QdrantPodSecuritySettings {
  /** UID (non-root). @default 1000 */
  readonly runAsUser?: number;
  /** GID (non-root). @default 2000 */
  readonly runAsGroup?: number;
  /** Group that owns the volumes. @default 3000 */
  readonly fsGroup?: number;
}

/** Serve HTTPS and gRPC over TLS. */
export interface QdrantTlsSettings {
  /** Existing kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt). @default - unset */
  readonly secretName?: string;
  /** Have cert-manager issue the certificate (a Certificate object; needs cert-manager's CRDs). @default - unset */
  readonly certManagerIssuer?: {
    /** Name of the cert-manager Issuer or ClusterIssuer. */
    readonly name: string;
    /** Issuer (in the namespace) or ClusterIssuer. @default "ClusterIssuer" */
    readonly kind?: "Issuer" | "ClusterIssuer";
  };
  /**
   * The Secret has ca.crt: Qdrant's peers verify each other's HTTPS with it (shard snapshot transfers), and the
   * module's Jobs verify Qdrant with it. false: in cluster mode peers move shards as record streams over the peer
   * port instead (stream_records).
   * @default true
   */
  readonly caInSecret?: boolean;
  /**
   * More names for the cert-manager certificate, beside the Service and pod names: e.g. the DNS name clients use
   * for the external NLB.
   * @default []
   */
  readonly extraDnsNames?: string[];
}

/** Prometheus Operator resources and the metrics port. */
export interface QdrantMonitoringSettings {
  /** Create a Prometheus Operator ServiceMonitor (needs the operator's CRDs). @default false */
  readonly serviceMonitor?: boolean;
  /** Create a PrometheusRule with the alerts (needs the operator's CRDs and kube-state-metrics). @default false */
  readonly prometheusRule?: boolean;
  /** How often Prometheus scrapes Qdrant (ServiceMonitor). @default "30s" */
  readonly scrapeInterval?: string;
  /** Extra labels on the ServiceMonitor and PrometheusRule (e.g. release: kube-prometheus-stack). @default {} */
  readonly labels?: Record<string, string>;
  /** Qdrant >= v1.17: the unauthenticated metrics port. @default 9090 */
  readonly metricsPort?: number;
}
