import { Json, resource, synthDeployment } from "../helpers/synth";

const eksBackup = { eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "my-qdrant-backups" };
const podOf = (cronJob: Json) => cronJob.spec.job_template.spec.template.spec;
const envOf = (cronJob: Json) => Object.fromEntries(podOf(cronJob).container[0].env.map((e: Json) => [e.name, e.value ?? e.value_from]));

describe("QdrantBackupCronJob", () => {
  const json = synthDeployment({ ...eksBackup, replicas: 2 });
  const cron = resource(json, "kubernetes_cron_job_v1", "qdrant_backup");

  it("is the seed's <customer>-qdrant-backup CronJob, in UTC, never overlapping, with bounded runs, and finished Jobs (with their scratch volumes) gone after ten minutes", () => {
    expect(cron.metadata.name).toBe("acme-qdrant-backup");
    expect(cron.spec).toMatchObject({
      schedule: "0 2 * * *",
      timezone: "Etc/UTC",
      concurrency_policy: "Forbid",
      starting_deadline_seconds: 3600,
      successful_jobs_history_limit: 3,
      failed_jobs_history_limit: 3,
    });
    expect(cron.spec.job_template.spec).toMatchObject({ backoff_limit: 1, active_deadline_seconds: 21600, ttl_seconds_after_finished: "600" });
  });

  it("snapshots every peer, uploads to the customer's prefix, and prunes when the bucket is not the module's", () => {
    expect(envOf(cron)).toMatchObject({
      QDRANT_PEER_URLS: "http://acme-qdrant-0.acme-qdrant-headless.qdrant.svc.cluster.local:6333 http://acme-qdrant-1.acme-qdrant-headless.qdrant.svc.cluster.local:6333",
      BACKUP_DESTINATION: "s3://my-qdrant-backups/qdrant-backups/acme",
      SCRATCH_DIR: "/scratch",
      BACKUP_PRUNE: "true",
      BACKUP_RETENTION_DAYS: "30",
      QDRANT_VERSION: "v1.19.0",
      SNAPSHOT_VOLUME_SIZE: "50Gi",
      QDRANT_API_KEY: { secret_key_ref: { name: "${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}", key: "api-key" } },
    });
    const created = resource(synthDeployment({ ...eksBackup, backupCreateBucket: true }), "kubernetes_cron_job_v1", "qdrant_backup");
    expect(envOf(created).BACKUP_PRUNE).toBe("false"); // the bucket's lifecycle rule expires backups
  });

  it("gives the scratch space a volume of its own, sized for a snapshot, on the deployment's StorageClass", () => {
    const scratch = podOf(cron).volume.find((v: Json) => v.name === "scratch");
    expect(scratch.ephemeral.volume_claim_template.spec).toEqual({
      access_modes: ["ReadWriteOnce"],
      storage_class_name: "${kubernetes_storage_class_v1.qdrant_scratch.metadata[0].name}",
      resources: { requests: { storage: "50Gi" } },
    });
    // A scratch volume is deleted with its pod's claim; the data class retains volumes.
    expect(resource(json, "kubernetes_storage_class_v1", "qdrant_scratch")).toMatchObject({ metadata: { name: "acme-qdrant-scratch" }, reclaim_policy: "Delete" });
    expect(resource(json, "kubernetes_storage_class_v1", "qdrant").reclaim_policy).toBe("Retain");
    const sized = podOf(resource(synthDeployment({ ...eksBackup, backupScratchSize: "80Gi" }), "kubernetes_cron_job_v1", "qdrant_backup"));
    expect(sized.volume.find((v: Json) => v.name === "scratch").ephemeral.volume_claim_template.spec.resources.requests.storage).toBe("80Gi");
  });

  it("runs as the backup ServiceAccount, annotated for IRSA, with the restricted contexts and the pinned image", () => {
    expect(resource(json, "kubernetes_service_account_v1", "qdrant_backup").metadata).toMatchObject({
      name: "acme-qdrant-backup",
      annotations: { "eks.amazonaws.com/role-arn": "${aws_iam_role.qdrant_backup.arn}" },
    });
    const pod = podOf(cron);
    expect(pod.service_account_name).toBe("${kubernetes_service_account_v1.qdrant_backup.metadata[0].name}");
    expect(pod.container[0]).toMatchObject({ image: "alpine/k8s:1.33.4", command: ["bash", "/etc/qdrant-backup/qdrant-backup.sh"] });
    expect(pod.container[0].security_context.read_only_root_filesystem).toBe(true);
  });

  it("writes to a backup PVC kept on destroy (homelab)", () => {
    const pvc = synthDeployment({ backupEnabled: true, backupTarget: "pvc", backupRetentionDays: 7, storageSize: "10Gi", storageClassName: "local-path" });
    const claim = resource(pvc, "kubernetes_persistent_volume_claim_v1", "qdrant_backups");
    expect(claim).toMatchObject({ metadata: { name: "acme-qdrant-backups" }, lifecycle: { prevent_destroy: true }, spec: { resources: { requests: { storage: "40Gi" } } } });
    const cronJob = resource(pvc, "kubernetes_cron_job_v1", "qdrant_backup");
    expect(envOf(cronJob)).toMatchObject({ BACKUP_DESTINATION: "file:///backups", BACKUP_PRUNE: "true", BACKUP_RETENTION_DAYS: "7" });
    expect(podOf(cronJob).volume).toContainEqual({ name: "backups", persistent_volume_claim: { claim_name: "${kubernetes_persistent_volume_claim_v1.qdrant_backups.metadata[0].name}" } });
    expect(pvc.resource.aws_iam_role).toBeUndefined();
  });

  it("reaches an S3-compatible endpoint with credentials from a Secret", () => {
    const minio = synthDeployment({ backupEnabled: true, backupS3Bucket: "backups", backupS3Endpoint: "http://minio.minio:9000", backupS3CredentialsSecret: "minio-creds" });
    const pod = podOf(resource(minio, "kubernetes_cron_job_v1", "qdrant_backup"));
    expect(pod.container[0].env_from).toEqual([{ secret_ref: { name: "minio-creds" } }]);
    // A region, so the AWS CLI does not ask an instance metadata service for one before each call.
    expect(envOf(resource(minio, "kubernetes_cron_job_v1", "qdrant_backup"))).toMatchObject({
      S3_ENDPOINT_URL: "http://minio.minio:9000",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
    });
    expect(minio.resource.aws_iam_role).toBeUndefined();
  });

  it("adds a verify CronJob when scheduled, and nothing without backups", () => {
    const verify = resource(synthDeployment({ ...eksBackup, backupVerifySchedule: "0 5 * * 0" }), "kubernetes_cron_job_v1", "qdrant_verify");
    expect(verify.metadata.name).toBe("acme-qdrant-verify");
    expect(podOf(verify).container[0].command).toEqual(["bash", "/etc/qdrant-backup/qdrant-backup-verify.sh"]);
    expect(verify.spec.job_template.spec.ttl_seconds_after_finished).toBe("600");
    expect(synthDeployment().resource.kubernetes_cron_job_v1).toBeUndefined();
  });

  it("starts no backup or verify run while a restore is declared (a backup of the Qdrant being restored would become the newest), and runs again once it is removed", () => {
    const schedules = { ...eksBackup, backupVerifySchedule: "0 5 * * 0" };
    const restoring = synthDeployment({ ...schedules, backupRestoreTimestamp: "20250101_020000" });
    for (const name of ["qdrant_backup", "qdrant_verify"]) {
      expect(resource(restoring, "kubernetes_cron_job_v1", name).spec.suspend).toBe(true);
      // Omitted otherwise: the provider's default (false), so a stack without a restore plans as before.
      expect(resource(synthDeployment(schedules), "kubernetes_cron_job_v1", name).spec).not.toHaveProperty("suspend");
    }
  });
});
