import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { QdrantDeployment } from "../lib/qdrant-deployment";
import type { CustomerConfig } from "./config-files";
import { QdrantStack } from "./qdrant-stack";

/**
 * One EKS customer: the AWS provider, the kubernetes provider authenticated with a token from
 * aws_eks_cluster_auth (no exec plugin: Terraform Cloud runs have no AWS CLI), and the deployment.
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
    const auth = new DataAwsEksClusterAuth(this, "eks-auth", { name: clusterName });
    auth.overrideLogicalId("eks");
    const connection = {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
      token: auth.token,
    };
    new KubernetesProvider(this, "kubernetes", connection);
    if (config.resolved.autoscaling?.installMetricsServer) new HelmProvider(this, "helm", { kubernetes: connection });
    this.qdrant = new QdrantDeployment(this, "qdrant", inputs, { eksCluster: cluster, awsRegion: settings.awsRegion });
  }
}
