import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { PersistentVolumeClaimV1 } from "@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1";
import { Fn, ITerraformDependable, Op, Token, Tokenization } from "cdktf";
import { and, choose, Condition, conditionOf, fromPart, isDecided, isSet, not, optionalPart } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { BackupBucket } from "./backup-bucket";
import { BackupIdentity } from "./backup-identity";
import { formatBytes, parseQuantity } from "../config/kubernetes-formats";
import type { QdrantInputs } from "../config/schema";
import { BACKUPS_MOUNT, BackupTarget } from "./backup-pod";
import { QdrantBackupCronJob } from "./backup-cron-job";
import { WorkloadServiceAccount } from "../core/rbac";
import { QdrantRestoreJob } from "./restore-job";
import { jobPodLabels, QdrantNames } from "../core/naming";
import { scriptLiteral } from "../terraform/script-text";
import type { ApiKeyRef } from "../core/api-key-secret";
import type { JobDeadlines } from "./job-deadlines";

export interface QdrantBackupProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly storageClassName: string;
  /** StorageClass of the scratch volumes (reclaim Delete). */
  readonly scratchStorageClassName: string;
  readonly apiKey?: ApiKeyRef;
  readonly tlsSecretName?: string;
  readonly eksCluster?: DataAwsEksCluster;
  readonly awsRegion?: string;
  /** A restore starts only after these (the StatefulSet's rollout, the collection-init Job). */
  readonly restoreAfter: ITerraformDependable[];
  /** The Jobs' deadlines, which follow the data. */
  readonly deadlines: JobDeadlines;
}

/** The scripts in the backup ConfigMap: the three the pods run and the libraries they source (lib/shell/). */
export const BACKUP_SCRIPTS = [
  "qdrant-backup.sh",
  "qdrant-restore.sh",
  "qdrant-backup-verify.sh",
  "log.sh",
  "qdrant-api.sh",
  "backup-destination.sh",
  "restore-steps.sh",
] as const;

/** The region S3-compatible endpoints are addressed in: MinIO's default, which it assumes unless configured otherwise. */
export const S3_COMPATIBLE_REGION = "us-east-1";

/**
 * The backup role's name: `<name>-backup-<8 hex>`, the hex a sha256 of region, EKS cluster, namespace and name. IAM
 * role names are global to an AWS account, and the same customer may run in two clusters (or regions) of one
 * account; at most 45 + 16 characters, within IAM's 64. A Terraform expression when any part is one (the same value).
 */
export function backupRoleName(resourceName: string, namespace: string, clusterName: string, region: string): string {
  const parts = [region, clusterName, namespace, resourceName];
  if (!parts.some(isUnresolvedToken)) return `${resourceName}-backup-${createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 8)}`;
  // A null cluster name (the module's precondition names the problem) must not fail inside format() first.
  const cluster = isUnresolvedToken(clusterName) ? Fn.conditional(Op.eq(clusterName, Token.nullValue()), "", clusterName) : clusterName;
  return Token.asString(Fn.format("%s-backup-%s", [resourceName, Fn.substr(Fn.sha256(Fn.format("%s/%s/%s/%s", [region, cluster, namespace, resourceName])), 0, 8)]));
}

/** The customer's prefix in the bucket, as the qdrant-deployment module lays it out. */
export const backupPrefix = (customerName: string) => `qdrant-backups/${customerName}`;

/**
 * Everything backups need, wired: the target (S3 with IRSA or Pod Identity on EKS, an S3-compatible endpoint
 * with a credentials Secret, or a PVC), an optionally created bucket, a ServiceAccount for the backup and
 * verify pods and one for the restore, their scripts, the backup CronJob, the optional verify CronJob and restore Job.
 */
export class QdrantBackup extends Construct {
  readonly cronJobName: string;
  readonly destination: string;
  readonly roleArn?: string;

  constructor(scope: Construct, id: string, props: QdrantBackupProps) {
    super(scope, id);
    const { inputs, names } = props;
    const name = `${names.resourceName}-backup`;
    const prefix = backupPrefix(inputs.customerName);
    const restoreName = `${names.resourceName}-restore`;
    // AWS S3 through IRSA/Pod Identity, or an S3-compatible endpoint, or a PVC (variables in the module stack).
    const s3 = isUnresolvedToken(inputs.backupTarget) ? Op.eq(inputs.backupTarget, "s3") : inputs.backupTarget === "s3";
    const onAws = and(s3, not(isSet(inputs.backupS3Endpoint)));

    const createBucket = and(onAws, conditionOf(inputs.backupCreateBucket));
    const bucket = optionalPart(createBucket, () =>
      new BackupBucket(this, "bucket", {
        bucketName: inputs.backupS3Bucket,
        prefix,
        retentionDays: inputs.backupRetentionDays,
        kmsKeyArn: inputs.backupKmsKeyArn,
      }),
    );
    const bucketName = fromPart(bucket, bucket?.bucketName, inputs.backupS3Bucket) as string;
    // Without a region from the stack, the backup pods (and the role's name) use the region of the aws provider.
    const region = props.awsRegion === undefined ? optionalPart(onAws, () => new DataAwsRegion(this, "region")) : undefined;
    const awsRegion = props.awsRegion ?? (region && (fromPart(region, region.name, "") as string));
    const restoreWhen = isSet(inputs.backupRestoreTimestamp);
    const identity = optionalPart(onAws, () =>
      new BackupIdentity(this, "identity", {
        mode: inputs.backupIdentity,
        clusterName: inputs.eksClusterName as string,
        cluster: props.eksCluster,
        namespace: names.namespace,
        serviceAccountNames: isDecided(restoreWhen)
          ? restoreWhen
            ? [name, restoreName]
            : [name]
          : // formatlist's arguments rather than templates: the names are Terraform expressions here.
            Token.asList(Fn.formatlist("%s-%s", [names.resourceName, Fn.conditional(restoreWhen, ["backup", "restore"], ["backup"])])),
        backupServiceAccount: name,
        restoreServiceAccount: restoreWhen === false ? undefined : { name: restoreName, when: restoreWhen },
        bucketName: inputs.backupS3Bucket,
        prefix,
        kmsKeyArn: inputs.backupKmsKeyArn,
        roleName: backupRoleName(names.resourceName, names.namespace, inputs.eksClusterName as string, awsRegion as string),
      }),
    );
    this.roleArn = identity && (fromPart(identity, identity.roleArn, "") as string);

    const guarded = identity && fromPart(identity, identity.serviceAccountAnnotations, {});
    const annotations =
      guarded === undefined ? undefined : Tokenization.isResolvable(guarded) ? Token.asStringMap(guarded) : Object.keys(guarded).length > 0 ? guarded : undefined;
    const account = new WorkloadServiceAccount(this, "service-account", { names, namespace: props.namespace, name, annotations });

    const scripts = new ConfigMapV1(this, "scripts", {
      metadata: { name: `${name}-scripts`, namespace: props.namespace, labels: jobPodLabels(names, "backup") },
      data: Object.fromEntries(BACKUP_SCRIPTS.map((f) => [f, scriptLiteral(f)])),
    });

    const target = this.target(props, bucketName, prefix, s3, onAws, createBucket, awsRegion);
    this.destination = target.destination;
    const common = {
      inputs,
      names,
      namespace: props.namespace,
      serviceAccountName: account.name,
      scriptsConfigMapName: scripts.metadata.name,
      storageClassName: props.scratchStorageClassName,
      target,
      apiKey: props.apiKey,
      tlsSecretName: props.tlsSecretName,
      deadlines: props.deadlines,
    };
    this.cronJobName = new QdrantBackupCronJob(this, "cron-job", { ...common, kind: "backup", schedule: inputs.backupSchedule, suspend: restoreWhen }).cronJobName;
    optionalPart(isSet(inputs.backupVerifySchedule), () =>
      new QdrantBackupCronJob(this, "verify", { ...common, kind: "backup-verify", schedule: inputs.backupVerifySchedule as string, suspend: restoreWhen }),
    );
    // The restore runs as its own ServiceAccount (same bucket access), so its pods are told apart in audits.
    // Both parts share the condition, so the Job's reference to the account needs no guard.
    const restoreAccount = optionalPart(restoreWhen, () =>
      new WorkloadServiceAccount(this, "restore-service-account", { names, namespace: props.namespace, name: restoreName, annotations }),
    );
    optionalPart(restoreWhen, () =>
      new QdrantRestoreJob(this, "restore", {
        ...common,
        serviceAccountName: (restoreAccount as WorkloadServiceAccount).name,
        timestamp: inputs.backupRestoreTimestamp as string,
        replaceIncompatible: conditionOf(inputs.backupRestoreReplaceIncompatible),
        // Qdrant up, collections settled, and the role trusting the restore ServiceAccount before it runs.
        dependsOn: [...props.restoreAfter, ...(identity ? identity.dependables : [])],
      }),
    );
  }

  private target(props: QdrantBackupProps, bucketName: string, prefix: string, s3: Condition, onAws: Condition, createBucket: Condition, awsRegion?: string): BackupTarget {
    const { inputs } = props;
    if (s3 === false) {
      const claim = this.backupClaim(props);
      return { destination: `file://${BACKUPS_MOUNT}`, volumeClaimName: claim.metadata.name, prune: true };
    }
    const target = {
      destination: `s3://${bucketName}/${prefix}`,
      s3EndpointUrl: inputs.backupS3Endpoint,
      credentialsSecret: inputs.backupS3CredentialsSecret,
      // An S3-compatible endpoint gets a region too: without one the AWS CLI asks the instance metadata service for
      // it before every call (a k3s node has none; each try can take a second).
      awsRegion: onAws === false ? S3_COMPATIBLE_REGION : onAws === true ? awsRegion : choose(onAws, awsRegion as string, S3_COMPATIBLE_REGION),
      // A bucket this module created expires backups with its lifecycle rule; anywhere else the job prunes.
      prune: not(createBucket),
    };
    if (s3 === true) return target;
    // The module stack: the target is a variable, so both are rendered; the pod parts that differ follow their
    // conditions (backupPodTemplate).
    const claim = optionalPart(not(s3), () => this.backupClaim(props));
    return {
      ...target,
      // format() rather than the template: the names are Terraform expressions inside a conditional here.
      destination: choose(s3, Token.asString(Fn.format(`s3://%s/${backupPrefix("%s")}`, [bucketName, inputs.customerName])), `file://${BACKUPS_MOUNT}`),
      volumeClaimName: fromPart(claim, claim?.metadata.name, "") as string,
      when: { endpoint: isSet(inputs.backupS3Endpoint), region: s3, credentials: isSet(inputs.backupS3CredentialsSecret), volume: not(s3) },
    };
  }

  /** The backup PVC (backupTarget pvc): 4 x storageSize unless backupVolumeSize says; kept by `terraform destroy`. */
  private backupClaim(props: QdrantBackupProps): PersistentVolumeClaimV1 {
    const { inputs, names } = props;
    const bytes = isUnresolvedToken(inputs.storageSize) ? 0 : (parseQuantity(inputs.storageSize) ?? 0);
    const claim = new PersistentVolumeClaimV1(this, "volume", {
      metadata: { name: `${names.resourceName}-backups`, namespace: props.namespace, labels: jobPodLabels(names, "backup") },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: inputs.backupVolumeSize ?? formatBytes(bytes * 4) } },
      },
      waitUntilBound: false,
      // The backups outlive `terraform destroy` of everything else.
      lifecycle: { preventDestroy: true },
    });
    return claim;
  }
}
