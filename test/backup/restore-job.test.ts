import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Json, resource, synthDeployment } from "../helpers/synth";

describe("QdrantRestoreJob", () => {
  it("restores the named backup when asked, without making apply wait", () => {
    const json = synthDeployment({ eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "bkt", backupRestoreTimestamp: "20261120_020000" });
    const job = resource(json, "kubernetes_job_v1", "qdrant_restore");
    expect(job.metadata.name).toBe("acme-qdrant-restore");
    expect(job.wait_for_completion).toBe(false);
    expect(job.timeouts).toEqual({ create: "1m", update: "1m", delete: "1m" });
    expect(job.depends_on).toEqual(["kubernetes_stateful_set_v1.qdrant", "kubernetes_job_v1.qdrant_init", "aws_iam_role.qdrant_backup", "aws_iam_role_policy.qdrant_backup"]);
    expect(job.spec.backoff_limit).toBe(0);
    const container = job.spec.template.spec.container[0];
    expect(container.command).toEqual(["bash", "/etc/qdrant-backup/qdrant-restore.sh"]);
    expect(container.env).toContainEqual({ name: "RESTORE_TIMESTAMP", value: "20261120_020000" });
    // The request: a terraform_data whose id is new each time the restore is declared; the script records it when done.
    expect(container.env).toContainEqual({ name: "RESTORE_REQUEST_ID", value: "${terraform_data.qdrant_restore_request.id}" });
    expect(json.resource.terraform_data.qdrant_restore_request).toEqual({ input: { timestamp: "20261120_020000" }, triggers_replace: { timestamp: "20261120_020000" } });
    // Only what a restore needs: a new variable in its pod spec would replace a Job still there, and restore again.
    expect(container.env.map((e: Json) => e.name)).not.toContain("RESTORE_REPLACE_INCOMPATIBLE");
    expect(container.env.map((e: Json) => e.name)).not.toContain("SNAPSHOT_VOLUME_SIZE");
    // No TTL: Terraform would create a Job the TTL controller deleted again, and so restore again.
    expect(job.spec.ttl_seconds_after_finished).toBeUndefined();
    expect(container.env.map((e: Json) => e.name)).toContain("QDRANT_API_KEY");
    expect(job.spec.template.spec.service_account_name).toBe("${kubernetes_service_account_v1.qdrant_restore.metadata[0].name}");
    expect(resource(json, "kubernetes_service_account_v1", "qdrant_restore").metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": "${aws_iam_role.qdrant_backup.arn}" });
    const sub = json.data.aws_iam_policy_document.qdrant_backup_trust.statement[0].condition[0].values;
    expect(sub).toEqual(["system:serviceaccount:qdrant:acme-qdrant-backup", "system:serviceaccount:qdrant:acme-qdrant-restore"]);
  });

  it("may delete a collection holding points that cannot take the backup's snapshots only when backupRestoreReplaceIncompatible says so", () => {
    const json = synthDeployment({ eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "bkt", backupRestoreTimestamp: "latest", backupRestoreReplaceIncompatible: true });
    expect(resource(json, "kubernetes_job_v1", "qdrant_restore").spec.template.spec.container[0].env).toContainEqual({ name: "RESTORE_REPLACE_INCOMPATIBLE", value: "true" });
  });

  it("is absent unless a timestamp is given", () => {
    const json = synthDeployment({ eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "bkt" });
    expect(Object.keys(json.resource.kubernetes_job_v1)).toEqual(["qdrant_init"]);
  });
});

describe("the runbook's recovery after PVC loss (docs/runbook.md, section 3)", () => {
  const runbook = readFileSync(join(__dirname, "../../docs/runbook.md"), "utf8");
  const section = runbook.slice(runbook.indexOf("## 3. Full recovery after PVC loss"), runbook.indexOf("## 3b."));

  it("names the objects the deployment has, with NAME the StatefulSet's name", () => {
    const json = synthDeployment({ eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "bkt", backupRestoreTimestamp: "20261120_020000" });
    const sts = resource(json, "kubernetes_stateful_set_v1", "qdrant");
    const NAME = sts.metadata.name;
    const claim = `${sts.spec.volume_claim_template[0].metadata.name}-${NAME}-0`;
    expect(section.replace(/\$NAME/g, NAME)).toContain(`delete pvc ${claim}`);
    expect(section.replace(/\$NAME/g, NAME)).toContain(`job/${resource(json, "kubernetes_job_v1", "qdrant_restore").metadata.name}`);
  });

  it("brings the pod count back by hand (an autoscaled StatefulSet's count is not Terraform's, and an HPA never scales up from 0) and restores a checked timestamp, not latest", () => {
    const scaleDown = section.indexOf("--replicas=0");
    expect(section.indexOf("REPLICAS=$(kubectl -n $NS get statefulset $NAME -o jsonpath='{.spec.replicas}')")).toBeLessThan(scaleDown);
    expect(section.indexOf("kubectl -n $NS scale statefulset $NAME --replicas=$REPLICAS")).toBeGreaterThan(scaleDown);
    expect(section).not.toMatch(/backupRestoreTimestamp: latest/);
  });
});
