import { Fn } from "cdktf";
import type { QdrantInputs } from "../config/schema";
import { isUnresolvedToken } from "../config/tokens";
import { ApiKeyRef, jobApiKeyEnv } from "../core/api-key-secret";
import { addConditionalBlocks, Condition, conditionText } from "../terraform/conditional";
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
   * The module stack, whose target is a variable: when the AWS region, the credentials Secret and the backup
   * volume apply. Those pod parts are then dynamic blocks (addBackupTargetBlocks), not in the template.
   */
  readonly when?: { region: Condition; credentials: Condition; volume: Condition };
}

/**
 * The pod parts of a target chosen by variables, as dynamic blocks on the resource at `podSpecPath`, and environment
 * variables that only some values of a variable add (`env`; all dynamic env blocks must come in one call).
 */
export function addBackupTargetBlocks(
  resource: { addOverride(path: string, value: unknown): void },
  podSpecPath: string,
  target: BackupTarget,
  env: { when: Condition; content: { name: string; value: string } }[] = [],
): void {
  const container = `${podSpecPath}.container.0`;
  const region = target.awsRegion as string;
  const regionEnv = target.when
    ? [
        { when: target.when.region, content: { name: "AWS_REGION", value: region } },
        { when: target.when.region, content: { name: "AWS_DEFAULT_REGION", value: region } },
      ]
    : [];
  addConditionalBlocks(resource, container, "env", [...regionEnv, ...env]);
  if (!target.when) return;
  addConditionalBlocks(resource, container, "env_from", [{ when: target.when.credentials, content: { secret_ref: [{ name: target.credentialsSecret }] } }]);
  addConditionalBlocks(resource, container, "volume_mount", [{ when: target.when.volume, content: { name: "backups", mount_path: BACKUPS_MOUNT } }]);
  addConditionalBlocks(resource, podSpecPath, "volume", [
    { when: target.when.volume, content: { name: "backups", persistent_volume_claim: [{ claim_name: target.volumeClaimName }] } },
  ]);
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
  readonly extraEnv?: { name: string; value: string }[];
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
  const env = [
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
    ...(target.s3EndpointUrl ? [{ name: "S3_ENDPOINT_URL", value: target.s3EndpointUrl }] : []),
    ...(target.awsRegion && !target.when ? [{ name: "AWS_REGION", value: target.awsRegion }, { name: "AWS_DEFAULT_REGION", value: target.awsRegion }] : []),
    ...(props.tlsSecretName && inputs.tls?.caInSecret ? [{ name: "CURL_CA_BUNDLE", value: "/etc/qdrant-tls/ca.crt" }] : []),
    ...(props.extraEnv ?? []),
    ...jobApiKeyEnv(props.apiKey),
  ];
  const labels = jobPodLabels(names, props.component);
  return {
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
          env,
          envFrom: target.credentialsSecret && !target.when ? [{ secretRef: { name: target.credentialsSecret } }] : undefined,
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          volumeMount: [
            { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
            { name: "scratch", mountPath: SCRATCH_MOUNT },
            ...(target.volumeClaimName && !target.when ? [{ name: "backups", mountPath: BACKUPS_MOUNT }] : []),
            ...(props.tlsSecretName && inputs.tls?.caInSecret ? [{ name: "tls-ca", mountPath: "/etc/qdrant-tls", readOnly: true }] : []),
          ],
          securityContext: restrictedContainerSecurityContext(),
        },
      ],
      volume: [
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
        ...(target.volumeClaimName && !target.when ? [{ name: "backups", persistentVolumeClaim: { claimName: target.volumeClaimName } }] : []),
        ...(props.tlsSecretName && inputs.tls?.caInSecret
          ? [{ name: "tls-ca", secret: { secretName: props.tlsSecretName, items: [{ key: "ca.crt", path: "ca.crt" }] } }]
          : []),
      ],
    },
  };
}
