/**
 * How the EKS stacks' kubernetes (and helm) provider authenticates, and how long an apply may wait with it. The
 * token comes from the ephemeral aws_eks_cluster_auth (hashicorp/aws 5.100.0, Terraform >= 1.10): read again at
 * apply, so a run that waits for approval longer than the token's 15 minutes still applies, and never stored in the
 * plan or state; fetched once per apply and not renewed, so the apply's waits must end inside it. The ephemeral
 * block and the provider's token expression pass `terraform validate` with the real aws plugin in
 * test/stacks/terraform-validate.test.ts (the AWS half of every shipped EKS stack).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { CustomerConfig, loadStackConfigs } from "../../stacks/config-files";
import { EKS_TOKEN, EksCustomerStack } from "../../stacks/eks-customer-stack";
import { MODULE_REQUIRED_TERRAFORM } from "../../lib/module/module-stack";
import type { Json } from "../helpers/synth";

const dir = mkdtempSync(join(tmpdir(), "eks-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "customers"));
const customer = (name: string, lines: string[]) =>
  writeFileSync(join(dir, "customers", `${name}.yaml`), [`eksClusterName: ${name}-eks`, "awsRegion: eu-west-1", "apiKeySource: generate", "backupEnabled: false", ...lines, ""].join("\n"));
// The token (default), with the helm provider for metrics-server; and exec.
customer("tok", ["replicas: 2", "autoscaling: { enabled: true, maxReplicas: 4, installMetricsServer: true }"]);
customer("ex", ["kubernetesAuth: exec"]);
customer("exns", ["kubernetesAuth: exec", "createNamespace: false", "namespace: shared"]);
const stacks = Object.fromEntries(
  loadStackConfigs(dir).map((config) => [config.stackName, JSON.parse(Testing.synth(new EksCustomerStack(Testing.app(), config as CustomerConfig))) as Json]),
);
const tok = stacks["qdrant-tok"];
const ex = stacks["qdrant-ex"];

describe("EKS authentication", () => {
  it("token (default): the ephemeral aws_eks_cluster_auth, no data source, Terraform >= 1.10", () => {
    expect(tok.ephemeral).toEqual({ aws_eks_cluster_auth: { eks: { name: "tok-eks" } } });
    expect(tok.data.aws_eks_cluster_auth).toBeUndefined();
    expect(EKS_TOKEN).toBe("${ephemeral.aws_eks_cluster_auth.eks.token}");
    expect(tok.provider.kubernetes[0]).toEqual({
      host: "${data.aws_eks_cluster.eks.endpoint}",
      cluster_ca_certificate: "${base64decode(data.aws_eks_cluster.eks.certificate_authority[0].data)}",
      token: EKS_TOKEN,
    });
    expect(tok.provider.helm[0].kubernetes.token).toBe(EKS_TOKEN);
    expect(tok.terraform.required_version).toBe(">= 1.10.0");
    // The module configures no provider: it keeps Terraform >= 1.5 (its README says what a caller's provider needs).
    expect(MODULE_REQUIRED_TERRAFORM).toBe(">= 1.5.0");
  });

  it("exec: aws eks get-token (renewed as needed; the runner needs the AWS CLI), no ephemeral block", () => {
    const exec = { api_version: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "ex-eks", "--region", "eu-west-1", "--output", "json"] };
    expect(ex.provider.kubernetes[0]).toMatchObject({ exec: [exec] });
    expect(ex.provider.kubernetes[0].token).toBeUndefined();
    expect(ex.ephemeral).toBeUndefined();
    // What its blocks need: check (1.5); `removed`, with createNamespace false (1.7).
    expect(ex.terraform.required_version).toBe(">= 1.5.0");
    expect(stacks["qdrant-exns"].removed).toHaveLength(1);
    expect(stacks["qdrant-exns"].terraform.required_version).toBe(">= 1.7.0");
  });

  it("token: every wait of an apply fits inside the token's 15 minutes (the StatefulSet's rollout, then the init Job)", () => {
    const minutes = (timeout: string) => Number(/^(\d+)m$/.exec(timeout)?.[1]);
    const rollout = minutes(tok.resource.kubernetes_stateful_set_v1.qdrant.timeouts.update);
    const init = minutes(tok.resource.kubernetes_job_v1.qdrant_init.timeouts.create);
    expect([rollout, init, rollout + init]).toEqual([9, 3, 12]);
    expect(tok.resource.kubernetes_job_v1.qdrant_init.depends_on).toEqual(["kubernetes_stateful_set_v1.qdrant"]);
    // A longer budget needs a token that renews.
    customer("long", ["applyWaitMinutes: 30"]);
    expect(() => loadStackConfigs(dir)).toThrow(
      `customers/long.yaml: applyWaitMinutes: outlives the EKS token: kubernetesAuth "token" (the default) gets one 15-minute token per apply, never renewed, so the apply's waits must end well inside it; set at most 12, or kubernetesAuth: exec (aws eks get-token, renewed; the runner needs the AWS CLI) (got 30)`,
    );
    customer("long", ["applyWaitMinutes: 30", "kubernetesAuth: exec"]);
    expect(loadStackConfigs(dir).map((c) => c.stackName)).toContain("qdrant-long");
    rmSync(join(dir, "customers", "long.yaml"));
  });
});
