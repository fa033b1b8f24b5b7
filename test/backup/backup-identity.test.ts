import { Testing } from "cdktf";
import { backupRoleName } from "../../lib/backup/backup";
import { EksCustomerStack } from "../../stacks/eks-customer-stack";
import { CustomerConfig, loadStackConfigs } from "../../stacks/config-files";
import { Json, synthDeployment } from "../helpers/synth";

const props = { eksClusterName: "eks", backupEnabled: true, backupS3Bucket: "bkt" };
const statements = (json: Json, name: string) => json.data.aws_iam_policy_document[name].statement as Json[];

describe("BackupIdentity", () => {
  it("IRSA: trusts the cluster's OIDC provider with StringEquals on both sub and aud", () => {
    const json = synthDeployment(props);
    expect(json.data.aws_iam_openid_connect_provider.eks.url).toBe("${data.aws_eks_cluster.qdrant_backup.identity[0].oidc[0].issuer}");
    const host = '${replace(data.aws_eks_cluster.qdrant_backup.identity[0].oidc[0].issuer, "https://", "")}';
    expect(statements(json, "qdrant_backup_trust")).toEqual([
      {
        effect: "Allow",
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: ["${data.aws_iam_openid_connect_provider.eks.arn}"] }],
        condition: [
          { test: "StringEquals", variable: `${host}:sub`, values: ["system:serviceaccount:qdrant:acme-qdrant-backup"] },
          { test: "StringEquals", variable: `${host}:aud`, values: ["sts.amazonaws.com"] },
        ],
      },
    ]);
    expect(json.resource.aws_iam_role.qdrant_backup).toMatchObject({ assume_role_policy: "${data.aws_iam_policy_document.qdrant_backup_trust.json}" });
    expect(json.resource.aws_eks_pod_identity_association).toBeUndefined();
  });

  it("names the role uniquely per region, cluster, namespace and deployment: IAM role names are global to an account", () => {
    const name = (region: string, cluster: string, namespace = "qdrant") => backupRoleName("acme-corp-qdrant", namespace, cluster, region);
    const names = [name("us-east-1", "prod"), name("eu-west-1", "prod"), name("us-east-1", "staging"), name("us-east-1", "prod", "search")];
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n).toMatch(/^acme-corp-qdrant-backup-[0-9a-f]{8}$/);
    expect(name("us-east-1", "prod")).toBe(name("us-east-1", "prod"));
    expect(backupRoleName("x".repeat(45), "n", "c", "r").length).toBeLessThanOrEqual(64);
    // The EKS stack knows its region: a literal name. Without one, Terraform computes the same from the aws provider's region.
    const config = loadStackConfigs(`${__dirname}/../../config`).find((c) => c.stackName === "qdrant-acme-corp") as CustomerConfig;
    const stack = JSON.parse(Testing.synth(new EksCustomerStack(Testing.app(), config))) as Json;
    expect(stack.resource.aws_iam_role.qdrant_backup).toMatchObject({ name: name("us-east-1", "my-eks-cluster"), lifecycle: { create_before_destroy: true } });
    expect(synthDeployment(props).resource.aws_iam_role.qdrant_backup.name).toBe(
      '${format("%s-backup-%s", "acme-qdrant", substr(sha256(format("%s/%s/%s/%s", data.aws_region.qdrant_backup.name, "eks", "qdrant", "acme-qdrant")), 0, 8))}',
    );
  });

  it("allows only the customer's prefix, with no wildcard action or resource", () => {
    const access = statements(synthDeployment(props), "qdrant_backup_access");
    expect(access).toEqual([
      {
        sid: "BackupObjects",
        effect: "Allow",
        actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: ["arn:aws:s3:::bkt/qdrant-backups/acme/*"],
      },
      {
        sid: "ListOwnPrefix",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: ["arn:aws:s3:::bkt"],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["qdrant-backups/acme/", "qdrant-backups/acme/*"] }],
      },
    ]);
    for (const s of access) {
      expect(s.actions.some((a: string) => a.includes("*"))).toBe(false);
      expect(s.resources).not.toContain("*");
    }
  });

  it("lets the role use the KMS key of a bucket it did not create (an existing SSE-KMS bucket)", () => {
    const key = "arn:aws:kms:eu-west-1:111122223333:key/abc";
    const json = synthDeployment({ ...props, backupKmsKeyArn: key });
    expect(json.resource.aws_s3_bucket).toBeUndefined();
    expect(statements(json, "qdrant_backup_access")[2]).toEqual({ sid: "BucketKey", effect: "Allow", actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], resources: [key] });
  });

  it("Pod Identity: trusts pods.eks.amazonaws.com for AssumeRole and TagSession, and associates the ServiceAccount", () => {
    const json = synthDeployment({ ...props, backupIdentity: "podIdentity" });
    // Its own address (the module has both trusts): a data source, so a rename reads it anew and changes nothing.
    expect(statements(json, "qdrant_backup_pod_identity_trust")).toEqual([
      { effect: "Allow", actions: ["sts:AssumeRole", "sts:TagSession"], principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }] },
    ]);
    expect(json.resource.aws_eks_pod_identity_association.qdrant_backup).toEqual(
      expect.objectContaining({ cluster_name: "eks", namespace: "qdrant", service_account: "acme-qdrant-backup", role_arn: "${aws_iam_role.qdrant_backup.arn}" }),
    );
    expect(json.resource.kubernetes_service_account_v1.qdrant_backup.metadata.annotations).toBeUndefined();
  });

  it("Pod Identity: associates the restore ServiceAccount too when a restore is asked", () => {
    const json = synthDeployment({ ...props, backupIdentity: "podIdentity", backupRestoreTimestamp: "latest" });
    expect(Object.keys(json.resource.aws_eks_pod_identity_association).sort()).toEqual(["qdrant_backup", "qdrant_restore"]);
    expect(json.resource.aws_eks_pod_identity_association.qdrant_restore.service_account).toBe("acme-qdrant-restore");
  });
});
