import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { QdrantDeployment } from "../lib/qdrant-deployment";
import type { CustomerConfig } from "./config-files";
import { QdrantStack } from "./qdrant-stack";

/** The EKS token: read at apply (never stored in the plan or state), valid 15 minutes, not renewed. */
export const EKS_TOKEN = "${ephemeral.aws_eks_cluster_auth.eks.token}";
/** Ephemeral resources (Terraform 1.10) carry the token. */
export const EKS_STACK_REQUIRED_TERRAFORM = ">= 1.10.0";

/**
 * One EKS customer: the AWS provider, the kubernetes provider, and the deployment. The kubernetes provider
 * authenticates with a token from the ephemeral aws_eks_cluster_auth (`kubernetesAuth: token`, the default: no
 * AWS CLI needed, as in Terraform Cloud; read again at apply, so a run that waits for approval still has a fresh
 * one, but fetched once per apply: an apply must finish within its 15 minutes), or runs `aws eks get-token` (`exec`:
 * renewed as needed; the runner needs the AWS CLI).
 */
export class EksCustomerStack extends QdrantStack {
  readonly qdrant: QdrantDeployment;

  constructor(scope: Construct, config: CustomerConfig) {
    super(scope, config.stackName, config.settings.terraformCloud);
    const { inputs, resolved, settings } = config;
    new AwsProvider(this, "aws", {
      region: settings.awsRegion,
      defaultTags: [{ tags: { ...settings.awsDefaultTags, "qdrant:customer": resolved.customerName, "managed-by": "terraform" } }],
    });
    const clusterName = resolved.eksClusterName as string;
    const cluster = new DataAwsEksCluster(this, "eks-cluster", { name: clusterName });
    cluster.overrideLogicalId("eks");
    const endpoint = { host: cluster.endpoint, clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data) };
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", clusterName, "--region", settings.awsRegion, "--output", "json"],
    };
    if (settings.kubernetesAuth === "token") {
      // cdktf 0.21 has no class for ephemeral blocks: the plain Terraform JSON.
      this.addOverride("ephemeral.aws_eks_cluster_auth.eks", { name: clusterName });
      this.addOverride("terraform.required_version", EKS_STACK_REQUIRED_TERRAFORM);
    } else {
      // check blocks (1.5); with createNamespace false also a `removed` block (1.7).
      this.addOverride("terraform.required_version", inputs.createNamespace === false ? ">= 1.7.0" : ">= 1.5.0");
    }
    const token = settings.kubernetesAuth === "token";
    new KubernetesProvider(this, "kubernetes", token ? { ...endpoint, token: EKS_TOKEN } : { ...endpoint, exec: [exec] });
    if (resolved.autoscaling?.installMetricsServer) {
      new HelmProvider(this, "helm", { kubernetes: token ? { ...endpoint, token: EKS_TOKEN } : { ...endpoint, exec } });
    }
    this.qdrant = new QdrantDeployment(this, "qdrant", inputs, { eksCluster: cluster, awsRegion: settings.awsRegion });
  }
}
