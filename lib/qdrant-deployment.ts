import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { Annotations, Fn, Op, TerraformLocal, TerraformOutput, TerraformResource, TerraformStack, Token } from "cdktf";
import { GUARDED_TYPES } from "./terraform/plan-guard";
import { TerraformDataResource } from "./terraform/terraform-data";
import { and, choose, Condition, conditionOf, fromPart, optionalPart } from "./terraform/conditional";
import { isUnresolvedToken } from "./config/tokens";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { Construct } from "constructs";
import { QdrantBackup } from "./backup/backup";
import type { QdrantDeploymentProps } from "./config/props";
import type { QdrantInputs } from "./config/schema";
import { resolveInputs } from "./config/validate";
import { sizingWarningsOf } from "./sizing/sizing-defaults";
import { ApiKeySecret, apiKeyEnv, apiKeySecretNameOf } from "./core/api-key-secret";
import { QdrantAutoscaler } from "./core/autoscaler";
import { CollectionInitJob } from "./collections/collection-init-job";
import { internalAuthEnforced, QdrantConfig } from "./core/qdrant-config";
import { KEY_HASHES_ANNOTATION, keyChangeCheck } from "./core/key-change-guard";
import { QdrantExternalService } from "./core/external-service";
import { QdrantMonitoring } from "./observability/monitoring";
import { JOB_DEADLINES, JobDeadlines } from "./backup/job-deadlines";
import { longestIntervalSeconds } from "./config/cron";
import { QdrantNamespace } from "./core/namespace";
import { QdrantNetworkPolicy } from "./core/network-policy";
import { QdrantPodDisruptionBudget } from "./core/pdb";
import { WorkloadServiceAccount } from "./core/rbac";
import { QdrantServices } from "./core/services";
import { QdrantStatefulSet, scrapeAnnotations } from "./core/statefulset";
import { QdrantStorageClass } from "./core/storage-class";
import { QdrantTls } from "./core/tls";
import { GuardExpressions, UpgradeGuard } from "./core/upgrade-guard";
import { collectionRequests } from "./collections/collection-requests";
import { hclString, hclValue } from "./module/variable-types";
import { GRPC_PORT, HTTP_PORT, qdrantNames, QdrantNames } from "./core/naming";
import { addressIn, addressPrefix, useAddressTable } from "./terraform/addresses";

export type { QdrantDeploymentProps } from "./config/props";

/** What the surrounding stack already has, so the deployment reuses it instead of looking it up again. */
export interface QdrantDeploymentOptions {
  /** The stack's aws_eks_cluster lookup (IRSA reads the cluster's OIDC issuer from it). */
  readonly eksCluster?: DataAwsEksCluster;
  /** AWS region, for the backup pods' AWS CLI. */
  readonly awsRegion?: string;
  /**
   * Inputs that are Terraform expressions, validated by Terraform (the module stack's variables): used as
   * they are, instead of validating `props`.
   */
  readonly terraformInputs?: QdrantInputs;
  /** Cross-field checks Terraform runs before touching the StatefulSet (the module stack's rules). */
  readonly preconditions?: { condition: string; errorMessage: string }[];
  /** With terraformInputs: the HCL of the values the upgrade guard compares with the running StatefulSet. */
  readonly guardExpressions?: GuardExpressions;
}

/** Label maps merged in TypeScript, or in Terraform when one of them is a map expression. */
function mergeLabels(...maps: Record<string, string>[]): Record<string, string> {
  if (!maps.some(isUnresolvedToken)) return Object.assign({}, ...maps);
  return Token.asStringMap(Fn.merge(maps));
}

/** More than one Qdrant pod. */
function severalPeers(replicas: number): Condition {
  return isUnresolvedToken(replicas) ? Op.gt(replicas, 1) : replicas > 1;
}

/** A non-empty list. */
function hasItems(list: unknown[]): Condition {
  return isUnresolvedToken(list) ? Op.gte(Fn.lengthOf(list), 1) : list.length > 0;
}

/**
 * Everything Qdrant needs on Kubernetes for one customer: namespace, storage, configuration, API keys,
 * the StatefulSet and its Services, and the outputs. Each part lives in the folder of its feature (lib/core, collections, backup, observability).
 * Terraform addresses start with the construct id (`qdrant` → `kubernetes_stateful_set_v1.qdrant`).
 */
export class QdrantDeployment extends Construct {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespaceName: string;
  readonly serviceName: string;
  readonly statefulSetName: string;
  readonly apiKeySecretName?: string;
  readonly externalServiceName?: string;
  readonly backupDestination?: string;
  readonly backupRoleArn?: string;

  constructor(scope: Construct, id: string, props: QdrantDeploymentProps, options: QdrantDeploymentOptions = {}) {
    super(scope, id);
    useAddressTable(this);
    this.inputs = options.terraformInputs ?? resolveInputs(props);
    this.names = qdrantNames(this.inputs, mergeLabels);
    const { inputs, names } = this;

    const namespace = optionalPart(conditionOf(inputs.createNamespace), () => new QdrantNamespace(this, "namespace", { names }));
    // A stack that stops creating its namespace forgets it instead of deleting it (and everything in it).
    if (inputs.createNamespace === false) forgetNamespace(this);
    this.namespaceName = fromPart(namespace, namespace?.name, names.namespace) as string;
    const common = { names, namespace: this.namespaceName };

    const storageClassName = this.storageClass("storage-class", undefined, false, common);
    const config = new QdrantConfig(this, "config", { ...common, inputs });
    const serviceAccount = new WorkloadServiceAccount(this, "service-account", { ...common, name: names.serviceAccountName });
    const authentication = conditionOf(inputs.enableAuthentication);
    const apiKeys = optionalPart(authentication, () => new ApiKeySecret(this, "api-key", { ...common, inputs }));
    // The key entries of the pods exist while the Secret does (the module: while enable_authentication holds).
    const apiKeySecretName = apiKeys && (fromPart(apiKeys, apiKeys.secretName, apiKeySecretNameOf(names)) as string);
    this.apiKeySecretName = apiKeys && (fromPart(apiKeys, apiKeys.secretName, "") as string);
    const tls = inputs.tls ? new QdrantTls(this, "tls", { ...common, inputs }) : undefined;
    const tlsSecretName = tls?.secretName;
    const services = new QdrantServices(this, "services", common);
    this.serviceName = services.serviceName;
    const expressions = options.guardExpressions ?? this.literalGuardExpressions();
    const guard = new UpgradeGuard(this, "upgrade-guard", { names, expressions });
    const keyGuard = this.keyChangeGuard(apiKeys, guard.objects, expressions);
    const statefulSet = new QdrantStatefulSet(this, "statefulset", {
      ...common,
      inputs,
      storageClassName,
      serviceAccountName: serviceAccount.name,
      configMapName: config.configMapName,
      configChecksum: config.checksum,
      headlessServiceName: services.headlessServiceName,
      secretEnv: apiKeys && { when: authentication, env: apiKeyEnv(apiKeySecretName as string, inputs.qdrantVersion, apiKeys.readOnlyOptional) },
      apiKeysChecksum:
        apiKeys?.checksum === undefined ? undefined : { value: fromPart(apiKeys, apiKeys.checksum, "none") as string, when: and(authentication, apiKeys.checksumWhen) },
      tlsSecretName,
      // The Jobs that mount the TLS Secret (collection init, restore) start after the StatefulSet, so after it too.
      dependsOn: tls?.certificate ? [tls.certificate] : undefined,
      metadataAnnotations: keyGuard?.annotations,
      preconditions: [...guard.preconditions, ...(options.preconditions ?? [])],
    });
    this.statefulSetName = statefulSet.name;
    const apiKey = apiKeySecretName === undefined ? undefined : { secretName: apiKeySecretName, when: authentication };
    const collectionInit = optionalPart(hasItems(inputs.collectionsConfig), () =>
      new CollectionInitJob(this, "collection-init", {
        ...common,
        inputs,
        serviceName: services.serviceName,
        apiKey,
        tlsSecretName,
        dependsOn: [statefulSet.resource],
      }),
    );

    const deadlines = new JobDeadlines(this, inputs);
    const backupEnabled = conditionOf(inputs.backupEnabled);
    const backup = optionalPart(backupEnabled, () => {
      // Scratch volumes must not outlive their pod: the data class retains volumes, so they get their own.
      const scratchStorageClassName = this.storageClass("scratch-storage-class", inputs.backupScratchStorageClassName, true, common, backupEnabled);
      return new QdrantBackup(this, "backup", {
        ...common,
        inputs,
        storageClassName,
        scratchStorageClassName,
        apiKey,
        tlsSecretName,
        eksCluster: options.eksCluster,
        awsRegion: options.awsRegion,
        restoreAfter: [statefulSet.resource, ...(collectionInit ? [collectionInit.job] : [])],
        deadlines,
      });
    });
    this.backupDestination = backup && (fromPart(backup, backup.destination, "") as string);
    this.backupRoleArn = backup?.roleArn && (fromPart(backup, backup.roleArn, "") as string);
    if (inputs.monitoring.serviceMonitor || inputs.monitoring.prometheusRule) {
      new QdrantMonitoring(this, "monitoring", { ...common, inputs, apiKeySecretName, tlsSecretName, deadlines });
    }
    optionalPart(names.clusterMode ? severalPeers(inputs.replicas) : false, () => new QdrantPodDisruptionBudget(this, "pdb", common));
    if (inputs.autoscaling?.enabled) new QdrantAutoscaler(this, "autoscaler", { ...common, inputs, statefulSetName: statefulSet.name });
    optionalPart(conditionOf(inputs.enableNetworkPolicy), () => new QdrantNetworkPolicy(this, "network-policy", { ...common, inputs }));
    const external = optionalPart(conditionOf(inputs.enableExternalAccess), () =>
      new QdrantExternalService(this, "external-service", { ...common, allowedCidrs: inputs.allowedCidrs }),
    );
    this.externalServiceName = external && (fromPart(external, external.serviceName, "") as string);

    this.addPlanGuardMarker();
    this.addOutputs();
    if (!options.terraformInputs) this.addSynthWarnings(deadlines);
  }

  /**
   * The key-change guard (lib/core/key-change-guard.ts) while peers may check each other's key and Terraform
   * manages the Secret: a local with the new keys' hashes (empty while peers do not check keys), written on the
   * StatefulSet, and a precondition of the Secret comparing it with what the running StatefulSet carries (on the
   * Secret, so that a check Terraform can only make at apply, with generated keys, still stops before the Secret
   * changes).
   */
  private keyChangeGuard(apiKeys: ApiKeySecret | undefined, runningStatefulSets: string, expressions: GuardExpressions): { annotations: Record<string, string> } | undefined {
    if (apiKeys?.keyHashes === undefined || apiKeys.resource === undefined) return undefined;
    const applies = and(internalAuthEnforced(this.inputs, this.names), severalPeers(this.inputs.replicas), apiKeys.checksumWhen);
    if (applies === false) return undefined;
    const hashes = new TerraformLocal(this, "api-key-hashes", choose(applies, fromPart(apiKeys, apiKeys.keyHashes, "") as string, ""));
    const annotation = { [KEY_HASHES_ANNOTATION]: hashes.asString };
    const check = keyChangeCheck(runningStatefulSets, `local.${addressIn(this, "api-key-hashes")}`, expressions.label("enforceInternalAuth"));
    const secret = apiKeys.resource;
    secret.lifecycle = { ...secret.lifecycle, precondition: [...(secret.lifecycle?.precondition ?? []), check] };
    return { annotations: applies === true ? annotation : Token.asStringMap(Fn.conditional(applies, annotation, {})) };
  }

  /**
   * The StorageClass the volumes use: `existing` when given (a literal), else one this deployment creates. When
   * `existing` is a Terraform variable (the module), the class is created only while the variable is null.
   */
  private storageClass(id: string, existing: string | undefined, scratch: boolean, common: { names: QdrantNames; namespace: string }, when: Condition = true): string {
    const { inputs } = this;
    const given = existing ?? inputs.storageClassName;
    if (given !== undefined && !isUnresolvedToken(given)) return given;
    const create = given === undefined ? when : and(when, Op.eq(given, Token.nullValue()));
    const storageClass = optionalPart(create, () =>
      new QdrantStorageClass(this, id, { ...common, storageType: inputs.storageType, iops: inputs.storageIops, scratch }),
    );
    return fromPart(storageClass, storageClass?.name, given) as string;
  }

  /**
   * The plan guard's marker (lib/terraform/plan-guard.ts): a terraform_data resource whose input names this
   * deployment's guarded addresses and its allowDestroy entries, so a checker of the plan JSON finds both there.
   * With literal inputs (the stacks) every guarded resource allowDestroy does not name also gets prevent_destroy,
   * so a plain `cdktf deploy` or `terraform apply`, which runs no guard, refuses the same plans. (The module cannot:
   * prevent_destroy must be a literal there.)
   */
  private addPlanGuardMarker(): void {
    const secretPath = `${this.node.path}/api-key/resource`;
    const resources = this.node
      .findAll()
      .filter((n): n is TerraformResource => n instanceof TerraformResource && (n.terraformResourceType in GUARDED_TYPES || n.node.path === secretPath));
    const address = (r: TerraformResource) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;
    const guarded = resources.map(address).sort();
    if (!isUnresolvedToken(this.inputs.allowDestroy)) {
      for (const r of resources) if (!this.inputs.allowDestroy.includes(address(r))) r.addOverride("lifecycle.prevent_destroy", true);
    }
    new TerraformDataResource(this, "plan-guard", {
      deployment: `${this.names.namespace}/${this.names.resourceName}`,
      guarded,
      // The restore Job's address, declared or not (both faces list the same): replacing it restores again;
      // creating and deleting it start and end a restore.
      rerun_guarded: [`${JobV1.tfResourceType}.${addressIn(this, "backup/restore/resource")}`],
      allow_destroy: this.inputs.allowDestroy,
    });
  }

  /** The upgrade guard's view of literal inputs (the stacks). */
  private literalGuardExpressions(): GuardExpressions {
    const { inputs, names } = this;
    if (isUnresolvedToken(inputs.qdrantVersion)) throw new Error("QdrantDeployment: Terraform-expression inputs need options.guardExpressions");
    const single = collectionRequests(inputs).filter((c) => (c.config.replication_factor as number) < 2).map((c) => c.name);
    return {
      version: hclString(inputs.qdrantVersion),
      replicas: String(inputs.replicas),
      singleReplicaCollections: hclValue(single, true),
      storageSize: hclString(inputs.storageSize),
      snapshotStorageSize: hclString(inputs.snapshotStorageSize ?? inputs.storageSize),
      storageClassName: hclString(inputs.storageClassName ?? `${names.resourceName}-${inputs.storageType}`),
      statefulSetText: `${names.namespace}/${names.resourceName}`,
      rolloutWhileUnready: String(inputs.rolloutWhileUnready),
      allowScaleDown: String(inputs.allowScaleDown),
      autoscaled: String(inputs.autoscaling?.enabled === true),
      clusterModeFirstStep: "set clusterMode: true with replicas: 1 and apply (one restart: Qdrant moves the single node's collections into a one-peer cluster)",
      label: (key) => key,
    };
  }

  private addOutputs(): void {
    const { names } = this;
    const output = (name: string, value: string | number, description: string) => new TerraformOutput(this, `output-${name}`, { value, description });
    output("namespace", this.namespaceName, "Kubernetes namespace");
    output("service_name", this.serviceName, "Service name");
    output("service_fqdn", names.serviceFqdn, "Service FQDN");
    output("connection_string", `${names.scheme}://${names.serviceFqdn}:${HTTP_PORT}`, "HTTP connection string (https when TLS is on)");
    output("grpc_connection_string", `${names.scheme}://${names.serviceFqdn}:${GRPC_PORT}`, "gRPC connection string (TLS when TLS is on)");
    output("http_port", HTTP_PORT, "HTTP port");
    output("grpc_port", GRPC_PORT, "gRPC port");
    output("statefulset_name", this.statefulSetName, "StatefulSet name (pods are <name>-<ordinal>)");
    output("headless_service_name", names.headlessServiceName, "Headless Service name (per-pod DNS: <pod>.<headless>)");
    output("external_service_name", this.externalServiceName ?? "", "LoadBalancer Service for external access (kubectl get svc shows its NLB hostname); empty when off");
    output("backup_destination", this.backupDestination ?? "", "Where backups go (s3://<bucket>/qdrant-backups/<customer> or file:///backups); empty when off");
    output("backup_role_arn", this.backupRoleArn ?? "", "IAM role the backup pods assume (EKS); empty otherwise");
    output("api_key_secret_name", this.apiKeySecretName ?? "", 'Secret holding the API keys (keys "api-key" and "read-only-api-key"); empty when authentication is off');
  }

  /**
   * Things a user should hear about at synth: no working metrics scrape, resources below the sizing estimate,
   * backups whose data takes longer than the gap between runs.
   */
  private addSynthWarnings(deadlines: JobDeadlines): void {
    const { inputs } = this;
    const backupSeconds = deadlines.seconds("backup");
    const gapSeconds = inputs.backupEnabled ? longestIntervalSeconds(inputs.backupSchedule) : Infinity;
    if (backupSeconds > JOB_DEADLINES.backup.floorHours * 3600 && backupSeconds >= gapSeconds) {
      Annotations.of(this).addWarning(
        `backupSchedule: a run may take up to ${backupSeconds / 3600} h (its deadline follows the peers and their volumes: README "Backup and restore"), as long as the ${gapSeconds / 3600} h between runs of "${inputs.backupSchedule}": a run that takes that long skips the next (concurrencyPolicy Forbid); schedule runs further apart`,
      );
    }
    if (Object.keys(scrapeAnnotations(inputs, this.names)).length === 0 && !inputs.monitoring.serviceMonitor) {
      Annotations.of(this).addWarning(
        `metrics: no prometheus.io scrape annotations: Qdrant ${inputs.qdrantVersion} needs an API key for /metrics and annotations cannot send one; use monitoring.serviceMonitor (it sends the read-only key) or Qdrant >= v1.17 (a metrics port without a key)`,
      );
    }
    if (inputs.monitoring.prometheusRule && !inputs.monitoring.serviceMonitor) {
      Annotations.of(this).addWarning(
        `monitoring: prometheusRule without serviceMonitor: the alerts on Qdrant's own metrics (QdrantDown, QdrantSlowResponses and the replication alerts) select job="${this.names.headlessServiceName}", the job the ServiceMonitor's scrape gets, so with another scrape they never fire; turn monitoring.serviceMonitor on`,
      );
    }
    for (const warning of sizingWarningsOf(inputs)) Annotations.of(this).addWarning(`sizing: ${warning}`);
  }
}

/**
 * A `removed` block (Terraform >= 1.7) for the deployment's namespace with `destroy = false`: when a stack that
 * created the namespace is switched to createNamespace false, Terraform takes the namespace out of its state and
 * leaves it standing, rather than deleting it with everything else in it. Without such a state it does nothing.
 */
function forgetNamespace(deployment: Construct): void {
  TerraformStack.of(deployment).addOverride("removed", [
    { from: `kubernetes_namespace_v1.${addressPrefix(deployment.node.id)}`, lifecycle: { destroy: false } },
  ]);
}
