/**
 * QdrantModuleStack: QdrantDeployment driven by Terraform variables. The structure is checked on the
 * synthesized JSON; the expressions that replace TypeScript decisions are run through the real terraform
 * binary (no provider needed for variables, locals and outputs) and compared with what the literal stacks
 * render for the same inputs.
 */
import { collectionRequests } from "../../lib/collections/collection-requests";
import { formatBytes, parseQuantity } from "../../lib/config/kubernetes-formats";
import type { CollectionInput } from "../../lib/config/collections";
import { moduleValue, moduleVariables } from "../../lib/module/variables";
import type { QdrantDeploymentInput, QdrantInputs } from "../../lib/config/schema";
import { resolveInputs } from "../../lib/config/validate";
import { peerUrls } from "../../lib/backup/backup-pod";
import { qdrantEnvironment } from "../../lib/core/qdrant-config";
import { AlertRule, alertRules, lastRunBackupAlert } from "../../lib/observability/alert-rules";
import { JobDeadlines } from "../../lib/backup/job-deadlines";
import { TerraformStack, Testing } from "cdktf";
import { qdrantNames } from "../../lib/core/naming";
import { waitBudget } from "../../lib/terraform/wait-budget";
import { synthesizeModuleStack } from "../../lib/module/files";
import { MODULE_REQUIRED_PROVIDERS } from "../../lib/module/module-stack";
import { addresses, Json, withScriptPlaceholders } from "../helpers/synth";
import { applyScenariosWithoutProviders, localsWithoutResources, requireTerraform } from "../helpers/terraform";

const json = synthesizeModuleStack() as Json;
const count = (address: string): unknown => {
  const [first, ...rest] = address.split(".");
  const block = first === "data" ? json.data?.[rest[0]]?.[rest[1]] : json.resource?.[first]?.[rest[0]];
  if (!block) throw new Error(`${address} not found; have: ${addresses(json).join(", ")}`);
  return block.count;
};
const strings = (node: unknown, path = ""): [string, string][] =>
  typeof node === "string"
    ? [[path, node]]
    : node && typeof node === "object"
      ? Object.entries(node).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k))
      : [];

describe("QdrantModuleStack structure", () => {
  it("has exactly these Terraform addresses", () => {
    expect(addresses(json)).toMatchSnapshot();
  });

  it("synthesizes exactly this Terraform JSON", () => {
    expect(withScriptPlaceholders(json)).toMatchSnapshot();
  });

  it("declares one variable per module input, named as the seed names them", () => {
    expect(Object.keys(json.variable).sort()).toEqual(moduleVariables().map((v) => v.name).sort());
    for (const name of ["customer_name", "namespace", "qdrant_image", "qdrant_version", "replicas", "storage_size", "storage_type", "resources"]) {
      expect(json.variable).toHaveProperty(name);
    }
    expect(json.variable.api_key).toMatchObject({ sensitive: true, default: "" });
  });

  it("has the seed's seven outputs and the stacks' extras", () => {
    expect(Object.keys(json.output).sort()).toEqual(
      [
        "namespace",
        "service_name",
        "service_fqdn",
        "connection_string",
        "grpc_connection_string",
        "http_port",
        "grpc_port",
        "statefulset_name",
        "headless_service_name",
        "external_service_name",
        "backup_destination",
        "backup_role_arn",
        "api_key_secret_name",
      ].sort(),
    );
  });

  it("configures no provider and no backend, and requires the seed's provider ranges", () => {
    expect(json.provider).toBeUndefined();
    expect(json.terraform.backend).toBeUndefined();
    expect(json.terraform.required_providers).toEqual(MODULE_REQUIRED_PROVIDERS);
    expect(json.terraform.required_version).toBe(">= 1.5.0");
  });

  it("accepts no aws provider version that lacks a resource or data source type it declares (Terraform checks every type, counted or not)", () => {
    // The first hashicorp/aws release of each type (its CHANGELOG); types older than 5.0 count as 5.0.0.
    const FIRST_AWS_VERSION: Record<string, string> = { aws_eks_pod_identity_association: "5.29.0" };
    const types = [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})].filter((t) => t.startsWith("aws_"));
    expect(types).toContain("aws_eks_pod_identity_association");
    const parse = (v: string) => v.split(".").map(Number);
    const newer = (a: string, b: string) => parse(a).reduce((d, n, i) => d || n - parse(b)[i], 0) > 0;
    const needed = types.map((t) => FIRST_AWS_VERSION[t] ?? "5.0.0").reduce((a, b) => (newer(b, a) ? b : a));
    const floor = /^>= (\d+\.\d+\.\d+)/.exec(MODULE_REQUIRED_PROVIDERS.aws.version)?.[1] ?? "0.0.0";
    expect(newer(needed, floor)).toBe(false);
  });

  it.each([
    ["kubernetes_namespace_v1.qdrant", "${var.create_namespace ? 1 : 0}"],
    ["kubernetes_storage_class_v1.qdrant", "${(var.storage_class_name == null) ? 1 : 0}"],
    ["kubernetes_storage_class_v1.qdrant_scratch", "${(var.backup_enabled && (local.backup_scratch_storage_class_name == null)) ? 1 : 0}"],
    ["kubernetes_secret_v1.qdrant_api_key", '${(var.enable_authentication && !(var.api_key_source == "existingSecret")) ? 1 : 0}'],
    [
      "random_password.qdrant_read_only_api_key",
      '${(var.enable_authentication && !((var.api_key_source == "existingSecret") || (var.api_key_source == "awsSecretsManager"))) ? 1 : 0}',
    ],
    ["data.aws_secretsmanager_secret_version.qdrant_api_key", '${(var.enable_authentication && (var.api_key_source == "awsSecretsManager")) ? 1 : 0}'],
    ["kubernetes_job_v1.qdrant_init", "${(length(local.collection_requests) >= 1) ? 1 : 0}"],
    ["kubernetes_cron_job_v1.qdrant_backup", "${var.backup_enabled ? 1 : 0}"],
    ["aws_iam_role.qdrant_backup", '${(var.backup_enabled && ((var.backup_target == "s3") && !(var.backup_s3_endpoint != null))) ? 1 : 0}'],
    ["data.aws_eks_cluster.qdrant_backup", '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && (var.backup_identity == "irsa"))) ? 1 : 0}'],
    ["kubernetes_network_policy_v1.qdrant", "${var.enable_network_policy ? 1 : 0}"],
    ["kubernetes_service_v1.qdrant_external", "${var.enable_external_access ? 1 : 0}"],
    ["kubernetes_pod_disruption_budget_v1.qdrant", "${(var.replicas > 1) ? 1 : 0}"],
    ["aws_s3_bucket.qdrant_backup", '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && var.backup_create_bucket)) ? 1 : 0}'],
    ["kubernetes_cron_job_v1.qdrant_verify", "${(var.backup_enabled && (var.backup_verify_schedule != null)) ? 1 : 0}"],
    ["kubernetes_job_v1.qdrant_restore", "${(var.backup_enabled && (var.backup_restore_timestamp != null)) ? 1 : 0}"],
    ["kubernetes_service_account_v1.qdrant_restore", "${(var.backup_enabled && (var.backup_restore_timestamp != null)) ? 1 : 0}"],
    ["kubernetes_persistent_volume_claim_v1.qdrant_backups", '${(var.backup_enabled && !(var.backup_target == "s3")) ? 1 : 0}'],
    ["data.aws_region.qdrant_backup", '${(var.backup_enabled && ((var.backup_target == "s3") && !(var.backup_s3_endpoint != null))) ? 1 : 0}'],
    ["kubernetes_manifest.qdrant_service_monitor", "${var.monitoring.service_monitor ? 1 : 0}"],
    ["kubernetes_manifest.qdrant_alerts", "${var.monitoring.prometheus_rule ? 1 : 0}"],
    ["data.aws_iam_policy_document.qdrant_backup_trust", '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && (var.backup_identity == "irsa"))) ? 1 : 0}'],
    ["data.aws_iam_policy_document.qdrant_backup_pod_identity_trust", '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && !(var.backup_identity == "irsa"))) ? 1 : 0}'],
    ["aws_eks_pod_identity_association.qdrant_backup", '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && !(var.backup_identity == "irsa"))) ? 1 : 0}'],
    [
      "aws_eks_pod_identity_association.qdrant_restore",
      '${(var.backup_enabled && (((var.backup_target == "s3") && !(var.backup_s3_endpoint != null)) && (!(var.backup_identity == "irsa") && (var.backup_restore_timestamp != null)))) ? 1 : 0}',
    ],
  ])("%s follows its variable through count", (address, expression) => {
    expect(count(address)).toBe(expression);
  });

  it.each(["kubernetes_stateful_set_v1.qdrant", "kubernetes_service_v1.qdrant", "kubernetes_service_v1.qdrant_headless", "kubernetes_config_map_v1.qdrant_config"])(
    "%s is always there",
    (address) => {
      expect(count(address)).toBeUndefined();
    },
  );

  it("indexes every reference to a counted resource, and guards those from outside its part", () => {
    const counted = addresses(json).filter((a) => !a.startsWith("var.") && !a.startsWith("output.") && count(a) !== undefined);
    const bare = counted.map((address) => [address, new RegExp(`(?<![\\w.])${address.replace(/\./g, "\\.")}\\.`)] as const);
    // One expect over every (path, address) found, not one per pair: tens of thousands of expect calls cost seconds.
    const unindexed = strings({ resource: json.resource, data: json.data, output: json.output, locals: json.locals }).flatMap(([path, value]) =>
      bare.filter(([, pattern]) => pattern.test(value)).map(([address]) => [path, address]),
    );
    expect(unindexed).toEqual([]);
    expect(json.output.namespace.value).toBe("${var.create_namespace ? try(kubernetes_namespace_v1.qdrant[0].metadata[0].name, var.namespace) : var.namespace}");
  });

  it("leaves no TypeScript value in an expression", () => {
    expect(strings(json).flatMap(([path, value]) => (/TfToken|undefined|NaN|\[object |e\+\d{3}/.test(value) ? [path] : []))).toEqual([]);
  });

  it("turns the dynamic parts into dynamic blocks", () => {
    const podSpec = json.resource.kubernetes_stateful_set_v1.qdrant.spec.template.spec;
    const forEach = (blocks: Json[]) => blocks.map((b) => b.for_each);
    // The list itself, in its order (not toset, which Terraform orders by value).
    expect(podSpec.dynamic.toleration.for_each).toBe("${var.tolerations}");
    expect(forEach(podSpec.dynamic.affinity)).toEqual([
      '${(var.enable_pod_anti_affinity && (var.pod_anti_affinity_mode == "required")) ? ["on"] : []}',
      '${(var.enable_pod_anti_affinity && (var.pod_anti_affinity_mode == "preferred")) ? ["on"] : []}',
    ]);
    expect(forEach(podSpec.dynamic.topology_spread_constraint)).toEqual(['${var.spread_across_zones ? ["on"] : []}']);
    const policy = json.resource.kubernetes_network_policy_v1.qdrant.spec;
    // Every rule a dynamic block, in the stacks' order: clients, monitoring, Jobs, LoadBalancer, peers.
    expect(forEach(policy.dynamic.ingress)).toEqual(['${(length(var.network_policy_clients) >= 1) ? ["on"] : []}', ["on"], ["on"], '${var.enable_external_access ? ["on"] : []}', ["on"]]);
    expect(policy.ingress).toBeUndefined();
    // One `from` per client and per CIDR: a `from` holds at most one ip_block.
    expect(policy.dynamic.ingress[0].content.dynamic.from).toMatchObject({ for_each: "${var.network_policy_clients}", iterator: "client" });
    expect(policy.dynamic.ingress[3].content.dynamic.from).toEqual({ for_each: "${var.allowed_cidrs}", content: { ip_block: [{ cidr: "${from.value}" }] } });
    expect(forEach(policy.dynamic.egress)).toEqual(['${var.restrict_egress ? ["on"] : []}', '${var.restrict_egress ? ["on"] : []}']);
    expect(policy.policy_types).toBe('${var.restrict_egress ? ["Ingress", "Egress"] : ["Ingress"]}');
    const access = json.data.aws_iam_policy_document.qdrant_backup_access;
    expect(forEach(access.dynamic.statement)).toEqual([["on"], ["on"], '${(var.backup_kms_key_arn != null) ? ["on"] : []}']);
  });
});

/**
 * Runs expressions of the module JSON through terraform with the module's variables and locals, for every scenario
 * (expressions and inputs) in one run; `outputs(name)` is one scenario's result, or throws with its error.
 */
function evaluate(scenarios: Record<string, { expressions: Record<string, unknown>; inputs: Partial<QdrantDeploymentInput> }>): (name: string) => Record<string, unknown> {
  const localsOverInputs = localsWithoutResources(json.locals);
  const results = applyScenariosWithoutProviders(
    Object.fromEntries(
      Object.entries(scenarios).map(([name, { expressions, inputs }]) => {
        const vars = Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), moduleValue(key as never, value)]));
        const output = Object.fromEntries(Object.entries(expressions).map(([output, value]) => [output, { value }]));
        return [name, { files: { "main.tf.json": JSON.stringify({ variable: json.variable, locals: localsOverInputs, output }, null, 2) }, vars }];
      }),
    ),
  );
  return (name) => {
    const result = results[name];
    if (!result) throw new Error(`no scenario ${name}`);
    if (!result.outputs) throw new Error(`scenario ${name}: ${result.stderr}`);
    return result.outputs;
  };
}

requireTerraform();

describe("the module's expressions evaluate to what the literal stacks render", () => {
  const collections: CollectionInput[] = [
    { name: "documents", vectorSize: 1536 },
    {
      name: "images",
      vectorSize: 512,
      distance: "Dot",
      onDisk: true,
      hnswConfig: { m: 32, efConstruct: 200, fullScanThreshold: 10000, onDisk: true },
      quantization: { scalar: { type: "int8", quantile: 0.99, alwaysRam: true } },
      optimizersConfig: { indexingThreshold: 0, deletedThreshold: 0.2 },
      payloadIndexes: [{ fieldName: "tenant", fieldSchema: "keyword" }],
      replicationFactor: 3,
      writeConsistencyFactor: 2,
      shardNumber: 6,
    },
    { name: "codes", vectorSize: 64, quantization: { product: { compression: "x16" } } },
    { name: "bits", vectorSize: 64, quantization: { binary: {} } },
  ];
  const inputs: Partial<QdrantDeploymentInput> = {
    customerName: "acme",
    namespace: "vectors",
    replicas: 3,
    collectionsConfig: collections,
    commonLabels: { team: "search", Environment: "prod" },
    logLevel: "DEBUG",
    telemetryEnabled: true,
    walCapacityMb: 64,
    clusterDomain: "cluster.example",
  };
  const literal = resolveInputs({ ...inputs, apiKeySource: "generate", backupEnabled: false } as QdrantDeploymentInput);
  const names = qdrantNames(literal);
  const resources = json.resource;
  const configData = (resources.kubernetes_config_map_v1.qdrant_config.data as string).replace(/^\$\{(.*)\}$/s, "$1");
  const trust = json.data.aws_iam_policy_document.qdrant_backup_trust.statement[0].condition[0].values;
  const older = { ...inputs, qdrantVersion: "v1.17.0" };
  const deadlineExpressions = {
    backup: resources.kubernetes_cron_job_v1.qdrant_backup.spec.job_template.spec.active_deadline_seconds,
    verify: resources.kubernetes_cron_job_v1.qdrant_verify.spec.job_template.spec.active_deadline_seconds,
    restore: resources.kubernetes_job_v1.qdrant_restore.spec.active_deadline_seconds,
  };
  const storageSizes = { backup_volume_50gi: "50Gi", backup_volume_1536mi: "1536Mi" };
  const evaluated = evaluate({
    main: {
      expressions: {
        collections: "${local.collection_requests}",
        environment: resources.kubernetes_config_map_v1.qdrant_config.data,
        peers: resources.kubernetes_cron_job_v1.qdrant_backup.spec.job_template.spec.template.spec.container[0].dynamic.env.find((e: Json) => e.content.name === "QDRANT_PEER_URLS")
          .content.value,
        labels: resources.kubernetes_stateful_set_v1.qdrant.metadata.labels,
        pod_labels: resources.kubernetes_stateful_set_v1.qdrant.spec.template.metadata.labels,
        // The pod annotations are one merge() (the keys' checksum is conditional): its checksum/config is this.
        config_checksum: `\${sha256(jsonencode(${configData}))}`,
        init_checksum: resources.kubernetes_job_v1.qdrant_init.spec.template.metadata.annotations["checksum/collections"],
        alerts: resources.kubernetes_manifest.qdrant_alerts.manifest.spec.groups[0].rules,
        service_fqdn: json.output.service_fqdn.value,
        connection_string: json.output.connection_string.value,
      },
      inputs,
    },
    irsa: { expressions: { subjects: trust }, inputs },
    irsa_restore: { expressions: { subjects: trust }, inputs: { ...inputs, backupRestoreTimestamp: "latest" } },
    ...Object.fromEntries(Object.entries(storageSizes).map(([name, storageSize]) => [name, { expressions: { size: "${local.backup_volume_size}" }, inputs: { ...inputs, storageSize } }])),
    backup_volume_1ti: { expressions: { size: "${local.backup_volume_size}" }, inputs: { ...inputs, backupVolumeSize: "1Ti" } },
    older: { expressions: { environment: resources.kubernetes_config_map_v1.qdrant_config.data }, inputs: older },
    deadlines_cluster: { expressions: deadlineExpressions, inputs: { ...inputs, storageSize: "500Gi", backupRestoreTimestamp: "latest" } },
    deadlines_single: { expressions: deadlineExpressions, inputs: { ...inputs, replicas: 1, storageSize: "10Gi", snapshotStorageSize: "2000Gi" } },
    budget: {
      expressions: {
        rolloutTimeout: resources.kubernetes_stateful_set_v1.qdrant.timeouts.update,
        jobTimeout: resources.kubernetes_job_v1.qdrant_init.timeouts.create,
        jobDeadlineSeconds: resources.kubernetes_job_v1.qdrant_init.spec.active_deadline_seconds,
        // The Job's env is a list of dynamic blocks (the key entries follow enable_authentication).
        jobWaitSeconds: `\${tonumber("${resources.kubernetes_job_v1.qdrant_init.spec.template.spec.container[0].dynamic.env.find((e: Json) => e.content.name === "WAIT_TIMEOUT_SECONDS").content.value}")}`,
      },
      inputs: { ...inputs, applyWaitMinutes: 30, startupTimeoutSeconds: 120 },
    },
  });
  const outputs = () => evaluated("main");
  /** Literal inputs' deadlines (the stack is only a scope: no local is made for literals). */
  const deadlinesOf = (resolved: QdrantInputs) => new JobDeadlines(new TerraformStack(Testing.app(), "deadlines"), resolved);
  const literalDeadlines = (overrides: Partial<QdrantDeploymentInput>) => {
    const deadlines = deadlinesOf(resolveInputs({ ...inputs, ...overrides, apiKeySource: "generate", backupEnabled: false } as QdrantDeploymentInput));
    return { backup: deadlines.seconds("backup"), verify: deadlines.seconds("backup-verify"), restore: deadlines.seconds("restore") };
  };

  it("collection requests (collectionRequestsHcl = collectionRequests)", () => {
    expect(outputs().collections).toEqual(collectionRequests(literal));
  });

  it("Qdrant's environment, in cluster mode with authentication on v1.19", () => {
    expect(outputs().environment).toEqual(qdrantEnvironment(literal, names));
    expect(outputs().environment).toMatchObject({ QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH: "true", QDRANT__TELEMETRY_DISABLED: "false" });
  });

  it("checksums that roll the pods and the init Job (Terraform's sha256 of the same data)", () => {
    expect(outputs().config_checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(resources.kubernetes_stateful_set_v1.qdrant.spec.template.metadata.annotations).toContain(`"checksum/config" = sha256(jsonencode(${configData}))`);
    expect(outputs().init_checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("the alerts, with the backup alert watching the latest run (the schedule is a variable)", () => {
    const alerts = outputs().alerts as AlertRule[];
    expect(alerts.slice(0, -1)).toEqual(alertRules({ ...literal, backupEnabled: false }, names, deadlinesOf(literal)));
    expect(alerts[alerts.length - 1]).toEqual(lastRunBackupAlert(literal, names, deadlinesOf(literal)));
    expect(alerts[alerts.length - 1].expr).toContain('cronjob="acme-qdrant-backup"');
  });

  it("the backup, verify and restore Jobs' deadlines follow the snapshot volume and the peers (JobDeadlines)", () => {
    // 3 peers of 500Gi: 4 passes of 1500 GiB at 100 MiB/s take 17.1 h, 6 passes 25.6 h, 7 passes 29.9 h.
    expect(evaluated("deadlines_cluster")).toEqual(literalDeadlines({ storageSize: "500Gi" }));
    expect(evaluated("deadlines_cluster")).toEqual({ backup: 18 * 3600, verify: 26 * 3600, restore: 30 * 3600 });
    // One peer, a 2000Gi snapshot volume: 22.8 h and 34.1 h.
    expect(evaluated("deadlines_single")).toEqual(literalDeadlines({ replicas: 1, storageSize: "10Gi", snapshotStorageSize: "2000Gi", collectionsConfig: [] }));
    expect(evaluated("deadlines_single")).toEqual({ backup: 23 * 3600, verify: 35 * 3600, restore: 40 * 3600 });
  });

  it("the wait budget: the StatefulSet's and the init Job's timeouts, the Job's deadline and its script's waits", () => {
    expect(evaluated("budget")).toEqual(waitBudget(30, 120));
    expect(evaluated("budget")).toEqual({ rolloutTimeout: "22m", jobTimeout: "8m", jobDeadlineSeconds: 450, jobWaitSeconds: 120 });
  });

  it("the backup pods' peer list", () => {
    expect(outputs().peers).toBe(peerUrls(literal, names));
  });

  it("labels merged with common_labels", () => {
    expect(outputs().labels).toEqual(names.labels);
    expect(outputs().pod_labels).toEqual(names.podLabels);
  });

  it("the seed's connection outputs", () => {
    expect(outputs().service_fqdn).toBe("acme-qdrant.vectors.svc.cluster.example");
    expect(outputs().connection_string).toBe(`http://${names.serviceFqdn}:6333`);
  });

  it("IRSA trusts the restore ServiceAccount only while a restore is asked for", () => {
    expect(evaluated("irsa").subjects).toEqual(["system:serviceaccount:vectors:acme-qdrant-backup"]);
    expect(evaluated("irsa_restore").subjects).toEqual(["system:serviceaccount:vectors:acme-qdrant-backup", "system:serviceaccount:vectors:acme-qdrant-restore"]);
  });

  it("sizes the backup PVC as the stacks do: four times the data volume unless backup_volume_size says", () => {
    for (const [name, storageSize] of Object.entries(storageSizes)) {
      const { size } = evaluated(name);
      expect([storageSize, size]).toEqual([storageSize, formatBytes((parseQuantity(storageSize) as number) * 4)]);
    }
    expect(evaluated("backup_volume_1ti").size).toBe("1Ti");
  });

  it("leaves enforce_internal_auth out before v1.18, as the literal stacks do", () => {
    const { environment } = evaluated("older");
    const olderLiteral = resolveInputs({ ...older, apiKeySource: "generate", backupEnabled: false } as QdrantDeploymentInput);
    expect(environment).toEqual(qdrantEnvironment(olderLiteral, qdrantNames(olderLiteral)));
    expect(environment).not.toHaveProperty("QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH");
  });
});
