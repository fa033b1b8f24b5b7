import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Construct } from "constructs";
import { QdrantDeployment } from "../lib/qdrant-deployment";
import type { HomelabConfig } from "./config-files";
import { QdrantStack } from "./qdrant-stack";

export const HOMELAB_STACK_REQUIRED_TERRAFORM = ">= 1.7.0";

/** The homelab k3s deployment (config/homelab.yaml): the kubernetes provider from a kubeconfig file and context. */
export class HomelabStack extends QdrantStack {
  readonly qdrant: QdrantDeployment;

  constructor(scope: Construct, config: HomelabConfig) {
    super(scope, config.stackName, config.settings.terraformCloud);
    const connection = { configPath: config.settings.kubeconfigPath, configContext: config.settings.kubeconfigContext };
    new KubernetesProvider(this, "kubernetes", connection);
    if (config.resolved.autoscaling?.installMetricsServer) new HelmProvider(this, "helm", { kubernetes: connection });
    this.qdrant = new QdrantDeployment(this, "qdrant", config.inputs);
    // Its `removed` block (createNamespace: false keeps `cortex` out of the state) needs Terraform >= 1.7.
    this.addOverride("terraform.required_version", HOMELAB_STACK_REQUIRED_TERRAFORM);
  }
}
