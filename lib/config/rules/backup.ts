/** Rules on backups: where they go, what each target needs, and the restore and verify Jobs that read them. */
import { isUnresolvedToken } from "../tokens";
import type { CrossFieldRule, Parsed } from "./rule";

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
const toS3 = (p: Parsed) => p.backupEnabled === true && p.backupTarget !== "pvc";

export const backupRules: CrossFieldRule[] = [
  {
    id: "backup.bucket-required",
    field: "backupS3Bucket",
    message: "is required when `backupEnabled` is true; name the S3 bucket, or set `backupEnabled: false`",
    stacks: (p) => toS3(p) && p.backupS3Bucket === "",
    module: 'var.backup_enabled && var.backup_target == "s3" && var.backup_s3_bucket == ""',
  },
  {
    id: "backup.bucket-name",
    field: "backupS3Bucket",
    message: "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', no '..', not an IP address",
    stacks: (p) => {
      const b = p.backupS3Bucket;
      return !!b && !isUnresolvedToken(b) && (!S3_BUCKET.test(b) || b.includes("..") || IP_ADDRESS.test(b));
    },
    module: [
      'var.backup_s3_bucket != "" && (',
      `!can(regex("${S3_BUCKET.source}", var.backup_s3_bucket)) || strcontains(var.backup_s3_bucket, "..")`,
      ' || can(regex("^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$", var.backup_s3_bucket)))',
    ].join(""),
  },
  {
    id: "backup.aws-s3-needs-eks",
    field: "eksClusterName",
    message:
      'is required for backups to AWS S3: the backup pods reach S3 through IRSA or Pod Identity on that EKS cluster; set it, or use `backupS3Endpoint` (with `backupS3CredentialsSecret`) or `backupTarget: pvc`, or set `backupEnabled: false`',
    stacks: (p) => toS3(p) && p.backupS3Endpoint === undefined && !p.eksClusterName,
    module: 'var.backup_enabled && var.backup_target == "s3" && var.backup_s3_endpoint == null && (var.eks_cluster_name == null || var.eks_cluster_name == "")',
  },
  {
    id: "backup.endpoint-needs-credentials",
    field: "backupS3CredentialsSecret",
    message: "is required with `backupS3Endpoint`: the Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    stacks: (p) => p.backupS3Endpoint !== undefined && p.backupS3CredentialsSecret === undefined,
    module: "var.backup_s3_endpoint != null && var.backup_s3_credentials_secret == null",
  },
  {
    id: "backup.created-bucket-on-aws-s3",
    field: "backupCreateBucket",
    message: "creates an AWS S3 bucket; it cannot create one on `backupS3Endpoint` or for `backupTarget: pvc`",
    stacks: (p) => p.backupCreateBucket === true && (p.backupTarget === "pvc" || p.backupS3Endpoint !== undefined),
    module: 'var.backup_create_bucket && (var.backup_target != "s3" || var.backup_s3_endpoint != null)',
  },
  {
    id: "backup.kms-needs-aws-s3",
    field: "backupKmsKeyArn",
    message: "only applies to AWS S3 backups (the key of a created bucket, or of an existing SSE-KMS bucket); remove it with `backupS3Endpoint` or `backupTarget: pvc`",
    stacks: (p) => p.backupKmsKeyArn !== undefined && (p.backupTarget === "pvc" || p.backupS3Endpoint !== undefined),
    module: 'var.backup_kms_key_arn != null && (var.backup_target != "s3" || var.backup_s3_endpoint != null)',
  },
  {
    id: "backup.verify-single-node",
    field: "backupVerifySchedule",
    message:
      "verifies single-node backups only: in cluster mode each peer's snapshot holds only that peer's shards, so one scratch collection cannot be compared with the manifest",
    stacks: (p) => p.backupVerifySchedule !== undefined && p.replicas !== undefined && p.replicas > 1,
    module: "var.backup_verify_schedule != null && var.replicas > 1",
  },
  {
    id: "backup.restore-needs-backups",
    field: "backupRestoreTimestamp",
    message: "needs `backupEnabled: true` (it reads the backups)",
    stacks: (p) => p.backupRestoreTimestamp !== undefined && p.backupEnabled === false,
    module: "var.backup_restore_timestamp != null && !var.backup_enabled",
  },
  {
    id: "backup.verify-needs-backups",
    field: "backupVerifySchedule",
    message: "needs `backupEnabled: true` (it reads the backups)",
    stacks: (p) => p.backupVerifySchedule !== undefined && p.backupEnabled === false,
    module: "var.backup_verify_schedule != null && !var.backup_enabled",
  },
];
