import { Aspects, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { moduleRules } from "./variables";
import { PodSecurityAspect } from "../core/pod-security";
import { QdrantDeployment } from "../qdrant-deployment";
import { declareModuleInputs } from "./inputs";
import { snakeCase } from "../config/schema";

/** Provider ranges the module accepts (the qdrant-deployment module's, aws raised to 5.29 and kubernetes to 2.25; random for the generated API keys). */
export const MODULE_REQUIRED_PROVIDERS = {
  // qdrant-deployment says ~> 5.0; aws_eks_pod_identity_association (declared whatever backup_identity says, under a
  // count) first shipped in 5.29.0, and Terraform checks every resource type the configuration names.
  aws: { source: "hashicorp/aws", version: ">= 5.29.0, < 6.0.0" },
  // qdrant-deployment says ~> 2.23; the StatefulSet's persistent_volume_claim_retention_policy needs 2.25.
  kubernetes: { source: "hashicorp/kubernetes", version: "~> 2.25" },
  helm: { source: "hashicorp/helm", version: "~> 2.11" },
  random: { source: "hashicorp/random", version: "~> 3.5" },
} as const;

export const MODULE_REQUIRED_TERRAFORM = ">= 1.5.0";

/**
 * QdrantDeployment as a plain Terraform module: every input is a variable named as in qdrant-deployment
 * (snake_case), validated by Terraform; optional parts follow their variables through `count`. The module
 * configures no provider and has no backend: the caller's providers are used. `npm run build:module` writes it.
 */
export class QdrantModuleStack extends TerraformStack {
  readonly qdrant: QdrantDeployment;

  constructor(scope: Construct, id = "qdrant-module") {
    super(scope, id);
    Aspects.of(this).add(new PodSecurityAspect());
    const inputs = declareModuleInputs(this);
    this.qdrant = new QdrantDeployment(this, "qdrant", inputs, {
      terraformInputs: inputs,
      preconditions: moduleRules().map((rule) => ({ condition: `\${${rule.condition}}`, errorMessage: rule.errorMessage })),
      guardExpressions: {
        version: "var.qdrant_version",
        replicas: "var.replicas",
        singleReplicaCollections: "[for c in local.collection_requests : c.name if c.config.replication_factor < 2]",
        storageSize: "var.storage_size",
        snapshotStorageSize: "local.snapshot_storage_size",
        storageClassName: 'var.storage_class_name != null ? var.storage_class_name : format("%s-%s", local.resource_name, var.storage_type)',
        statefulSetText: "${var.namespace}/${local.resource_name}",
        rolloutWhileUnready: "var.rollout_while_unready",
        allowScaleDown: "var.allow_scale_down",
        // Autoscaling is CDKTF-only: the module's pod count is always its replicas variable.
        autoscaled: "false",
        clusterModeFirstStep: "apply with replicas = 1 (the module runs cluster mode at any replicas: one restart, and Qdrant moves the single node's collections into a one-peer cluster)",
        label: snakeCase,
      },
    });
    this.addOverride("terraform.required_version", MODULE_REQUIRED_TERRAFORM);
    this.addOverride("terraform.required_providers", MODULE_REQUIRED_PROVIDERS);
  }

  toTerraform(): Record<string, unknown> {
    const json = super.toTerraform();
    // A module must not configure providers (cdktf adds an empty random provider for the generated keys), nor
    // have a backend (cdktf adds a local one when synthesizing an app).
    delete (json as { provider?: unknown }).provider;
    delete (json as { terraform?: { backend?: unknown } }).terraform?.backend;
    return json;
  }
}
