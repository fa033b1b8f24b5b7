import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { choose, isDecided, isSet } from "../terraform/conditional";

export interface BackupBucketProps {
  readonly bucketName: string;
  /** The customer's prefix, without a trailing slash: qdrant-backups/<customer>. */
  readonly prefix: string;
  readonly retentionDays: number;
  readonly kmsKeyArn?: string;
}

/**
 * A bucket for backups, created safe: default encryption (SSE-S3, or SSE-KMS with a key), versioning, every
 * public access blocked, objects owned by the bucket owner (ACLs off), a policy refusing plain-HTTP access, a
 * lifecycle that expires the customer's backups after the retention and aborts stale multipart uploads, and
 * prevent_destroy so `terraform destroy` cannot delete it with the backups in it.
 */
export class BackupBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
    const on = { bucket: bucket.id };
    // SSE-KMS with a key, else SSE-S3 (a Terraform condition in the module stack).
    const kms = isSet(props.kmsKeyArn);

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      ...on,
      rule: [
        {
          applyServerSideEncryptionByDefault: isDecided(kms)
            ? kms
              ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
              : { sseAlgorithm: "AES256" }
            : { sseAlgorithm: choose(kms, "aws:kms", "AES256"), kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: kms as boolean,
        },
      ],
    });
    new S3BucketVersioningA(this, "versioning", { ...on, versioningConfiguration: { status: "Enabled" } });
    new S3BucketPublicAccessBlock(this, "public-access-block", { ...on, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, "ownership", { ...on, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, "policy", {
      ...on,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${props.bucketName}`, `arn:aws:s3:::${props.bucketName}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      ...on,
      rule: [
        {
          id: "expire-qdrant-backups",
          status: "Enabled",
          filter: [{ prefix: `${props.prefix}/` }],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }
}
