import { Fn } from "cdktf";
import type { QdrantInputs } from "../config/schema";
import { isUnresolvedToken } from "../config/tokens";
import { ApiKeyRef, jobApiKeyEnv } from "../core/api-key-secret";
import {
  JobV1SpecTemplateSpecContainerEnv,
  JobV1SpecTemplateSpecContainerEnvFrom,
  JobV1SpecTemplateSpecContainerVolumeMount,
  JobV1SpecTemplateSpecVolume,
} from "@cdktf/provider-kubernetes/lib/job-v1";
import { addBlockList, Condition, ConditionalBlock, conditionText, decidedBlocks } from "../terraform/conditional";
import { HTTP_PORT, jobPodLabels, JOB_COMPONENTS, QdrantNames } from "../core/naming";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../core/pod-security";

export const SCRIPTS_MOUNT = "/etc/qdrant-backup";
export const SCRATCH_MOUNT = "/scratch";
export const BACKUPS_MOUNT = "/backups";

/** Where the backup, restore and verify pods read and write backups, and how they authenticate. */
export interface BackupTarget {
  /** s3://<bucket>/qdrant-backups/<customer> or file:///backups */
  readonly destination: string;
  readonly s3EndpointUrl?: string;
  /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (S3-compatible endpoints). */
  readonly credentialsSecret?: string;
  /** The backup PVC (backupTarget pvc). */
  readonly volumeClaimName?: string;
  readonly awsRegion?: string;
  /** The script prunes old backups itself (no lifecycle rule on a bucket this module owns). */
  readonly prune: Condition;
  /**
   * The module stack, whose target is a variable: when the endpoint, the AWS region, the credentials Secret and the
   * backup volume apply. The pod's lists are then dynamic blocks (addBackupPodBlocks), not in the template.
   */
  readonly when?: { endpoint: Condition; region: Condition; credentials: Condition; volume: Condition };
}

/** The pod's lists whose entries may depend on Terraform conditions (the module stack's target and keys). */
export interface BackupPodBlocks {
  readonly env: ConditionalBlock<JobV1SpecTemplateSpecContainerEnv>[];
  readonly envFrom: ConditionalBlock<JobV1SpecTemplateSpecContainerEnvFrom>[];
  readonly volumeMount: ConditionalBlock<JobV1SpecTemplateSpecContainerVolumeMount>[];
  readonly volume: ConditionalBlock<JobV1SpecTemplateSpecVolume>[];
}

/** The provider's functions that write a CronJob's or a Job's pod lists in Terraform's names. */
export interface BackupPodConverters {
  readonly env: (e: JobV1SpecTemplateSpecContainerEnv) => unknown;
  readonly envFrom: (e: JobV1SpecTemplateSpecContainerEnvFrom) => unknown;
  readonly volumeMount: (m: JobV1SpecTemplateSpecContainerVolumeMount) => unknown;
  readonly volume: (v: JobV1SpecTemplateSpecVolume) => unknown;
}

/**
 * The module stack, whose target and keys are variables: the pod's lists as dynamic blocks on the resource at
 * `podSpecPath`, in the order the stacks render them (nothing is written when every entry is decided).
 */
export function addBackupPodBlocks(resource: { addOverride(path: string, value: unknown): void }, podSpecPath: string, blocks: BackupPodBlocks, convert: BackupPodConverters): void {
  const container = `${podSpecPath}.container.0`;
  addBlockList(resource, container, "env", blocks.env, convert.env);
  addBlockList(resource, container, "env_from", blocks.envFrom, convert.envFrom);
  addBlockList(resource, container, "volume_mount", blocks.volumeMount, convert.volumeMount);
  addBlockList(resource, podSpecPath, "volume", blocks.volume, convert.volume);
}

export interface BackupPodProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly component: (typeof JOB_COMPONENTS)[number];
  readonly script: string;
  readonly serviceAccountName: string;
  readonly scriptsConfigMapName: string;
  /** StorageClass of the scratch volume; it must delete volumes with their claim. */
  readonly storageClassName: string;
  readonly target: BackupTarget;
  readonly apiKey?: ApiKeyRef;
  readonly tlsSecretName?: string;
  /** The workload's own environment variables, each while its condition holds (`true`: always). */
  readonly extraEnv?: ConditionalBlock<{ name: string; value: string }>[];
}

/** Each peer's own URL, in ordinal order: snapshots are per node. */
export function peerUrls(inputs: QdrantInputs, names: QdrantNames): string {
  const { scheme, resourceName, headlessServiceName, namespace } = names;
  if (isUnresolvedToken(inputs.replicas)) {
    // formatlist's arguments, not a template: the names are Terraform expressions here.
    const headlessSuffix = headlessServiceName.slice(resourceName.length);
    const format = `%s://%s-%d.%s${headlessSuffix}.%s.svc.%s:${HTTP_PORT}`;
    return Fn.join(" ", Fn.formatlist(format, [scheme, resourceName, Fn.range(0, inputs.replicas), resourceName, namespace, inputs.clusterDomain]));
  }
  return Array.from({ length: inputs.replicas }, (_, i) => `${scheme}://${resourceName}-${i}.${headlessServiceName}.${namespace}.svc.${inputs.clusterDomain}:${HTTP_PORT}`).join(" ");
}

/**
 * The pod template shared by the backup, restore and verify workloads: the script from a ConfigMap, the
 * restricted security contexts, a scratch volume sized for a snapshot on the deployment's StorageClass (a
 * generic ephemeral volume, so snapshots never land on the node's root disk), and the backup target.
 */
export function backupPodTemplate(props: BackupPodProps) {
  const { inputs, names, target } = props;
  const scratchSize = inputs.backupScratchSize ?? inputs.snapshotStorageSize ?? inputs.storageSize;
  const when = target.when ?? {
    endpoint: Boolean(target.s3EndpointUrl),
    region: Boolean(target.awsRegion),
    credentials: Boolean(target.credentialsSecret),
    volume: Boolean(target.volumeClaimName),
  };
  const tlsCa = Boolean(props.tlsSecretName && inputs.tls?.caInSecret);
  const always = <T>(...list: T[]) => list.map((block) => ({ when: true, block }));
  const region = target.awsRegion as string;
  const labels = jobPodLabels(names, props.component);
  const blocks: BackupPodBlocks = {
    env: [
      ...always(
        { name: "QDRANT_PEER_URLS", value: peerUrls(inputs, names) },
        { name: "BACKUP_DESTINATION", value: target.destination },
        { name: "SCRATCH_DIR", value: SCRATCH_MOUNT },
        // The AWS CLI keeps its cache under $HOME; the root filesystem is read-only.
        { name: "HOME", value: SCRATCH_MOUNT },
        { name: "QDRANT_VERSION", value: inputs.qdrantVersion },
        // No snapshot is bigger than Qdrant's snapshot volume: the backup's time limit for making one follows its size.
        ...(props.component === "backup" ? [{ name: "SNAPSHOT_VOLUME_SIZE", value: inputs.snapshotStorageSize ?? inputs.storageSize }] : []),
        { name: "BACKUP_RETENTION_DAYS", value: String(inputs.backupRetentionDays) },
        { name: "BACKUP_PRUNE", value: conditionText(target.prune) },
      ),
      { when: when.endpoint, block: { name: "S3_ENDPOINT_URL", value: target.s3EndpointUrl as string } },
      { when: when.region, block: { name: "AWS_REGION", value: region } },
      { when: when.region, block: { name: "AWS_DEFAULT_REGION", value: region } },
      { when: tlsCa, block: { name: "CURL_CA_BUNDLE", value: "/etc/qdrant-tls/ca.crt" } },
      ...(props.extraEnv ?? []),
      ...jobApiKeyEnv(props.apiKey),
    ],
    envFrom: [{ when: when.credentials, block: { secretRef: { name: target.credentialsSecret as string } } }],
    volumeMount: [
      ...always({ name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true }, { name: "scratch", mountPath: SCRATCH_MOUNT }),
      { when: when.volume, block: { name: "backups", mountPath: BACKUPS_MOUNT } },
      { when: tlsCa, block: { name: "tls-ca", mountPath: "/etc/qdrant-tls", readOnly: true } },
    ],
    volume: [
      ...always(
        { name: "scripts", configMap: { name: props.scriptsConfigMapName } },
        {
          name: "scratch",
          ephemeral: {
            volumeClaimTemplate: {
              metadata: { labels },
              spec: { accessModes: ["ReadWriteOnce"], storageClassName: props.storageClassName, resources: { requests: { storage: scratchSize } } },
            },
          },
        },
      ),
      { when: when.volume, block: { name: "backups", persistentVolumeClaim: { claimName: target.volumeClaimName as string } } },
      { when: tlsCa, block: { name: "tls-ca", secret: { secretName: props.tlsSecretName, items: [{ key: "ca.crt", path: "ca.crt" }] } } },
    ],
  };
  const envFrom = decidedBlocks(blocks.envFrom);
  const template = {
    metadata: { labels },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: props.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(inputs.podSecurity),
      container: [
        {
          name: props.component,
          image: inputs.jobImage,
          imagePullPolicy: "IfNotPresent",
          command: ["bash", `${SCRIPTS_MOUNT}/${props.script}`],
          env: decidedBlocks(blocks.env),
          envFrom: envFrom?.length ? envFrom : undefined,
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          volumeMount: decidedBlocks(blocks.volumeMount),
          securityContext: restrictedContainerSecurityContext(),
        },
      ],
      volume: decidedBlocks(blocks.volume),
    },
  };
  return { template, blocks };
}
