import { Fn, IResolvable, Op, ref, TerraformLocal, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { collectionRequestsHcl } from "../collections/collection-requests";
import { hclQuantity } from "./variable-types";
import { MODULE_INPUTS, ModuleVariable, moduleVariables } from "./variables";
import { qdrantInputSchema, QdrantInputs } from "../config/schema";

/**
 * The module stack's variables (one per MODULE_INPUTS entry, generated from the schema) and QdrantInputs whose
 * values are references to them. Inputs the module does not expose keep their schema defaults.
 */
export function declareModuleInputs(stack: TerraformStack): QdrantInputs {
  const variables = new Map<string, IResolvable>();
  for (const v of moduleVariables()) {
    // Raw JSON rather than TerraformVariable, which cannot write a null default.
    stack.addOverride(`variable.${v.name}`, variableJson(v));
    variables.set(v.key, ref(`var.${v.name}`, stack));
  }
  const scope: Construct = stack;
  const variable = (key: string) => {
    const reference = variables.get(key);
    if (!reference) throw new Error(`module stack: no variable for input ${key}`);
    return reference;
  };
  const str = (key: string) => Token.asString(variable(key));
  const num = (key: string) => Token.asNumber(variable(key));
  const bool = (key: string) => variable(key) as unknown as boolean;
  const list = (key: string) => Token.asList(variable(key));
  const map = (key: string) => Token.asStringMap(variable(key));
  const nested = (key: string, path: string[]) => Fn.lookupNested(variable(key), path);

  const local = (name: string, expression: unknown) => {
    const value = new TerraformLocal(scope, `local-${name}`, expression);
    value.overrideLogicalId(name);
    return value;
  };
  const resourceName = local("resource_name", Fn.coalesce([str("resourceName"), Fn.format("%s-qdrant", [str("customerName")])]));
  const snapshotStorageSize = local("snapshot_storage_size", Fn.coalesce([str("snapshotStorageSize"), str("storageSize")]));
  const backupScratchSize = local("backup_scratch_size", Fn.coalesce([str("backupScratchSize"), snapshotStorageSize.asString]));
  // Four times the data volume unless set, in whole Gi (the stacks compute the same in TypeScript).
  const backupVolumeSize = local(
    "backup_volume_size",
    `\${var.backup_volume_size != null ? var.backup_volume_size : format("%dGi", ceil(4 * ${hclQuantity("var.storage_size")} / ${2 ** 30}))}`,
  );
  // Null when both are: the module then creates the scratch class (reclaim Delete).
  // (Not coalesce(): it fails when every argument is null.)
  const scratchStorageClassName = local(
    "backup_scratch_storage_class_name",
    Fn.conditional(Op.neq(variable("backupScratchStorageClassName"), Token.nullValue()), variable("backupScratchStorageClassName"), variable("storageClassName")),
  );
  const collectionRequests = local("collection_requests", `\${${collectionRequestsHcl("var.collections_config", "var.replicas")}}`);

  // Everything the module does not expose: the schema's defaults (validated, so the construct sees literals).
  const defaults = qdrantInputSchema.parse({ customerName: "module", backupEnabled: false, apiKeySource: "generate" });
  const fromVariables: Partial<QdrantInputs> = {
    customerName: str("customerName"),
    resourceName: resourceName.asString,
    namespace: str("namespace"),
    createNamespace: bool("createNamespace"),
    qdrantImage: str("qdrantImage"),
    qdrantVersion: str("qdrantVersion"),
    replicas: num("replicas"),
    storageSize: str("storageSize"),
    storageType: str("storageType") as QdrantInputs["storageType"],
    storageIops: num("storageIops"),
    storageClassName: str("storageClassName"),
    snapshotStorageSize: snapshotStorageSize.asString,
    resources: {
      requests: Token.asAny(nested("resources", ["requests"])) as unknown as QdrantInputs["resources"]["requests"],
      limits: Token.asAny(nested("resources", ["limits"])) as unknown as QdrantInputs["resources"]["limits"],
    },
    enableAuthentication: bool("enableAuthentication"),
    // Null or generate: both keys generated, a non-empty api_key replacing the read-write one.
    apiKeySource: str("apiKeySource") as QdrantInputs["apiKeySource"],
    apiKey: str("apiKey"),
    apiKeySecretName: str("apiKeySecretName"),
    apiKeySecretsManagerId: str("apiKeySecretsManagerId"),
    backupEnabled: bool("backupEnabled"),
    backupS3Bucket: str("backupS3Bucket"),
    backupSchedule: str("backupSchedule"),
    backupRetentionDays: num("backupRetentionDays"),
    backupTarget: str("backupTarget") as QdrantInputs["backupTarget"],
    backupS3Endpoint: str("backupS3Endpoint"),
    backupS3CredentialsSecret: str("backupS3CredentialsSecret"),
    backupVolumeSize: backupVolumeSize.asString,
    backupCreateBucket: bool("backupCreateBucket"),
    backupKmsKeyArn: str("backupKmsKeyArn"),
    backupIdentity: str("backupIdentity") as QdrantInputs["backupIdentity"],
    backupScratchSize: backupScratchSize.asString,
    backupScratchStorageClassName: scratchStorageClassName.asString,
    backupRestoreTimestamp: str("backupRestoreTimestamp"),
    backupRestoreReplaceIncompatible: bool("backupRestoreReplaceIncompatible"),
    backupVerifySchedule: str("backupVerifySchedule"),
    eksClusterName: str("eksClusterName"),
    // The requests the collection-init script reads, computed by Terraform from collections_config.
    collectionsConfig: collectionRequests.asList as unknown as QdrantInputs["collectionsConfig"],
    commonLabels: map("commonLabels"),
    enableNetworkPolicy: bool("enableNetworkPolicy"),
    networkPolicyClients: list("networkPolicyClients") as unknown as QdrantInputs["networkPolicyClients"],
    restrictEgress: bool("restrictEgress"),
    monitoringNamespace: str("monitoringNamespace"),
    enableExternalAccess: bool("enableExternalAccess"),
    allowedCidrs: list("allowedCidrs"),
    enablePodAntiAffinity: bool("enablePodAntiAffinity"),
    podAntiAffinityMode: str("podAntiAffinityMode") as QdrantInputs["podAntiAffinityMode"],
    spreadAcrossZones: bool("spreadAcrossZones"),
    nodeSelector: map("nodeSelector"),
    tolerations: list("tolerations") as unknown as QdrantInputs["tolerations"],
    podSecurity: {
      runAsUser: Token.asNumber(nested("podSecurity", ["run_as_user"])),
      runAsGroup: Token.asNumber(nested("podSecurity", ["run_as_group"])),
      fsGroup: Token.asNumber(nested("podSecurity", ["fs_group"])),
    },
    startupTimeoutSeconds: num("startupTimeoutSeconds"),
    applyWaitMinutes: num("applyWaitMinutes"),
    clusterDomain: str("clusterDomain"),
    walCapacityMb: num("walCapacityMb"),
    maxRequestSizeMb: num("maxRequestSizeMb"),
    jobImage: str("jobImage"),
    enforceInternalAuth: bool("enforceInternalAuth"),
    telemetryEnabled: bool("telemetryEnabled"),
    logLevel: str("logLevel") as QdrantInputs["logLevel"],
    logFormat: str("logFormat") as QdrantInputs["logFormat"],
    rolloutWhileUnready: bool("rolloutWhileUnready"),
    allowScaleDown: bool("allowScaleDown"),
    allowDestroy: list("allowDestroy"),
    monitoring: {
      serviceMonitor: Token.asAny(nested("monitoring", ["service_monitor"])) as unknown as boolean,
      prometheusRule: Token.asAny(nested("monitoring", ["prometheus_rule"])) as unknown as boolean,
      scrapeInterval: Token.asString(nested("monitoring", ["scrape_interval"])),
      labels: Token.asStringMap(nested("monitoring", ["labels"])),
      metricsPort: Token.asNumber(nested("monitoring", ["metrics_port"])),
    },
  };
  const unmapped = MODULE_INPUTS.filter((key) => !(key in fromVariables));
  if (unmapped.length > 0) throw new Error(`module stack: variables without a mapping: ${unmapped.join(", ")}`);
  return { ...defaults, ...fromVariables } as QdrantInputs;
}

/** A variable block in Terraform JSON: type as an expression string, validations with `${...}` conditions. */
function variableJson(v: ModuleVariable): Record<string, unknown> {
  return {
    // In JSON a type is an expression written as a plain string (no ${}).
    type: v.type,
    description: v.description,
    ...(v.default !== undefined ? { default: v.default } : {}),
    ...(v.nullable !== undefined ? { nullable: v.nullable } : {}),
    ...(v.sensitive ? { sensitive: true } : {}),
    ...(v.validations.length > 0
      ? { validation: v.validations.map((check) => ({ condition: `\${${check.condition}}`, error_message: check.errorMessage })) }
      : {}),
  };
}
