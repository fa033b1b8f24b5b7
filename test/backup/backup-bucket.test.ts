import { resource, synthDeployment } from "../helpers/synth";

describe("BackupBucket", () => {
  const props = { eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "acme-qdrant-backups", backupCreateBucket: true };
  const json = synthDeployment(props);

  it("creates the bucket with prevent_destroy", () => {
    expect(resource(json, "aws_s3_bucket", "qdrant_backup")).toMatchObject({ bucket: "acme-qdrant-backups", lifecycle: { prevent_destroy: true } });
  });

  it("encrypts (SSE-S3, or SSE-KMS with a key), versions, blocks public access and ACLs", () => {
    expect(resource(json, "aws_s3_bucket_server_side_encryption_configuration", "qdrant_backup").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false },
    ]);
    const kms = synthDeployment({ ...props, backupKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/abc" });
    expect(resource(kms, "aws_s3_bucket_server_side_encryption_configuration", "qdrant_backup").rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: "arn:aws:kms:eu-west-1:111122223333:key/abc",
    });
    expect(resource(json, "aws_s3_bucket_versioning", "qdrant_backup").versioning_configuration).toEqual({ status: "Enabled" });
    expect(resource(json, "aws_s3_bucket_public_access_block", "qdrant_backup")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resource(json, "aws_s3_bucket_ownership_controls", "qdrant_backup").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });

  it("refuses plain HTTP", () => {
    const policy = JSON.parse(resource(json, "aws_s3_bucket_policy", "qdrant_backup").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::acme-qdrant-backups", "arn:aws:s3:::acme-qdrant-backups/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("expires the customer's backups after the retention and aborts stale uploads", () => {
    expect(resource(json, "aws_s3_bucket_lifecycle_configuration", "qdrant_backup").rule).toEqual([
      {
        id: "expire-qdrant-backups",
        status: "Enabled",
        filter: [{ prefix: "qdrant-backups/acme/" }],
        expiration: [{ days: 30 }],
        noncurrent_version_expiration: [{ noncurrent_days: 7 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
      },
    ]);
  });

  it("is not created for an existing bucket", () => {
    expect(synthDeployment({ ...props, backupCreateBucket: false }).resource.aws_s3_bucket).toBeUndefined();
  });
});
