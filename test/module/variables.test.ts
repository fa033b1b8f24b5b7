/**
 * The published module's variables.tf, generated from the input schema: names, types and defaults against the
 * seed module's README, and every validation through the real terraform binary (a config of variables and outputs
 * needs no provider), with the same verdicts and words as zod. (The cross-field rules: test/config/rules.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { collectionSchema } from "../../lib/config/collections";
import { parseQuantity } from "../../lib/config/kubernetes-formats";
import { hclQuantity, hclString, hclValue, re2 } from "../../lib/module/variable-types";
import {
  MODULE_EXCLUDED_INPUTS,
  MODULE_INPUTS,
  MODULE_MIN_QDRANT_VERSION,
  moduleInputsTable,
  moduleValue,
  ModuleVariable,
  moduleVariables,
  renderVariablesTf,
} from "../../lib/module/variables";
import { atLeast } from "../../lib/config/qdrant-version";
import { ModuleScenario, planScenarios, requireTerraform, TerraformDiagnostic } from "../helpers/terraform";
import { qdrantInputSchema, qdrantInputShape, snakeCase } from "../../lib/config/schema";
import { collectProblems } from "../../lib/config/validate";

type InputKey = keyof typeof qdrantInputShape;
const variables = moduleVariables();
const variable = (name: string) => variables.find((v) => v.name === name) as ModuleVariable;

const SEED_VARIABLES = [
  "customer_name",
  "namespace",
  "qdrant_image",
  "qdrant_version",
  "replicas",
  "storage_size",
  "storage_type",
  "resources",
  "enable_authentication",
  "api_key",
  "backup_enabled",
  "backup_s3_bucket",
  "backup_schedule",
  "backup_retention_days",
  "eks_cluster_name",
  "collections_config",
  "common_labels",
  "enable_network_policy",
  "enable_external_access",
  "enable_pod_anti_affinity",
  "node_selector",
  "tolerations",
];

describe("module variables", () => {
  it("are the module inputs, in order, with the seed's snake_case names", () => {
    expect(variables.map((v) => v.name)).toEqual(MODULE_INPUTS.map(snakeCase));
    expect(variables.map((v) => v.name)).toEqual(expect.arrayContaining(SEED_VARIABLES));
    expect(MODULE_INPUTS).toHaveLength(63);
  });

  it("leave out exactly the CDKTF-only inputs", () => {
    expect([...MODULE_INPUTS, ...MODULE_EXCLUDED_INPUTS].sort()).toEqual(Object.keys(qdrantInputShape).sort());
    expect(MODULE_EXCLUDED_INPUTS).toEqual(expect.arrayContaining(["tls", "autoscaling", "sizing"]));
  });

  it("have the seed README's types and defaults", () => {
    const seed: [string, string, unknown][] = [
      ["customer_name", "string", undefined],
      ["namespace", "string", "qdrant"],
      ["qdrant_image", "string", "qdrant/qdrant"],
      ["qdrant_version", "string", "v1.19.0"], // the seed's v1.7.4 is superseded (README)
      ["replicas", "number", 1],
      ["storage_size", "string", "50Gi"],
      ["storage_type", "string", "gp3"],
      ["enable_authentication", "bool", true],
      ["api_key", "string", ""],
      ["backup_enabled", "bool", true],
      ["backup_s3_bucket", "string", ""],
      ["backup_schedule", "string", "0 2 * * *"],
      ["backup_retention_days", "number", 30],
      ["eks_cluster_name", "string", null],
      ["common_labels", "map(string)", {}],
      ["enable_network_policy", "bool", false],
      ["enable_external_access", "bool", false],
      ["enable_pod_anti_affinity", "bool", true],
      ["node_selector", "map(string)", {}],
    ];
    for (const [name, type, byDefault] of seed) expect([name, variable(name).type, variable(name).default]).toEqual([name, type, byDefault]);
    expect(variable("resources").default).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } });
    expect(variable("collections_config").default).toEqual([
      { name: "documents", vector_size: 1536, distance: "Cosine" },
      { name: "conversations", vector_size: 1536, distance: "Cosine" },
    ]);
    expect(variable("tolerations").default).toEqual([]);
  });

  it("type objects with snake_case attributes and the schema's nested defaults", () => {
    const flat = (name: string) => variable(name).type.replace(/\s+/g, " ");
    expect(flat("resources")).toBe(
      'object({ requests = optional(object({ cpu = optional(string, "1"), memory = optional(string, "2Gi") }), {}) limits = optional(object({ cpu = optional(string, "4"), memory = optional(string, "8Gi") }), {}) })',
    );
    expect(flat("tolerations")).toBe(
      'list(object({ key = optional(string) operator = optional(string, "Equal") value = optional(string) effect = optional(string) toleration_seconds = optional(number) }))',
    );
    const collections = flat("collections_config");
    for (const attribute of [
      "name = string",
      "vector_size = number",
      'distance = optional(string, "Cosine")',
      "on_disk = optional(bool)",
      "on_disk_payload = optional(bool, true)",
      "hnsw_config = optional(object({ m = optional(number, 16) ef_construct = optional(number, 100) full_scan_threshold = optional(number, 20000) on_disk = optional(bool) }), {})",
      "product = optional(object({ compression = string, always_ram = optional(bool) }))",
      'payload_indexes = optional(list(object({ field_name = string, field_schema = string })), [ { field_name = "document_id", field_schema = "keyword" },',
      "replication_factor = optional(number) write_consistency_factor = optional(number) shard_number = optional(number)",
    ]) {
      expect(collections).toContain(attribute);
    }
  });

  it("mark optional inputs nullable with a null default, and the rest not nullable", () => {
    for (const v of variables) expect([v.name, v.nullable]).toEqual([v.name, v.default === null]);
    expect(variables.filter((v) => v.default === undefined).map((v) => v.name)).toEqual(["customer_name"]);
  });

  it("keep api_key sensitive, empty by default (a generated key), at least 32 characters", () => {
    expect(variable("api_key")).toMatchObject({ type: "string", default: "", sensitive: true, nullable: false });
    expect(variable("api_key").description).toMatch(/Empty: the module generates a random key \(kept in Terraform state\); the read-only key is generated too\./);
    expect(variables.filter((v) => v.sensitive).map((v) => v.name)).toEqual(["api_key"]);
  });

  it("describe themselves with the schema's text, naming inputs by their snake_case names", () => {
    expect(variable("resource_name").description).toBe("Name of the StatefulSet and Service, prefix of the other objects. Default `<customer_name>-qdrant`.");
    expect(variable("snapshot_storage_size").description).toMatch(/Default: storage_size\.$/);
    const camelInputs = new RegExp(`\\b(${Object.keys(qdrantInputShape).filter((k) => k !== snakeCase(k)).join("|")})\\b`);
    for (const v of variables) {
      expect([v.name, v.description]).toEqual([v.name, expect.stringMatching(/\.$/)]);
      expect([v.name, camelInputs.test(v.description)]).toEqual([v.name, false]);
    }
  });

  it("start every error message with the variable name and end it with a period", () => {
    for (const v of variables) {
      for (const { errorMessage } of v.validations) expect(errorMessage).toMatch(new RegExp(`^${v.name}[ :.\\[].*\\.$`));
    }
  });

  it("render variables.tf (golden)", () => {
    expect(renderVariablesTf()).toMatchSnapshot();
  });

  it("write false, 0 and empty defaults, and escape template sequences in strings", () => {
    const text = renderVariablesTf([
      { name: "a", key: "a", type: "number", default: 0, description: "Uses ${var.x} and %{if}.", validations: [] },
      { name: "b", key: "b", type: "bool", default: false, description: "B.", validations: [] },
      { name: "c", key: "c", type: "string", default: "", description: "C.", validations: [] },
    ]);
    expect(text).toContain('  description = "Uses $${var.x} and %%{if}."\n  type        = number\n  default     = 0\n');
    expect(text).toContain("  default     = false\n");
    expect(text).toContain('  default     = ""\n');
  });

  it("give the module README a table", () => {
    const table = moduleInputsTable();
    expect(table.split("\n")).toHaveLength(2 + MODULE_INPUTS.length);
    expect(table).toContain("| `customer_name` | `string` | required | Name of the customer; prefixes every object name (`<customer_name>-qdrant`). |");
    expect(table).toContain("| `backup_s3_bucket` | `string` | `\"\"` | S3 bucket for backups. Required when backup_enabled. |");
    expect(table).toContain("| `tolerations` | `list(object)` | `[]` |");
    expect(table).toContain("| `collections_config` | `list(object)` | see variables.tf |");
    expect(table).toContain("| `eks_cluster_name` | `string` | `null` |");
  });

  it("translate only regexes RE2 reads the same", () => {
    expect(re2("^v?\\d+\\.\\d+$")).toBe("^v?\\d+\\.\\d+$");
    for (const pattern of ["^(?!latest)", "(?<=a)b", "(a)\\1", "\\u00e4"]) expect(() => re2(pattern)).toThrow(/RE2/);
  });

  it("annotate every refine() of a module input with its Terraform check", () => {
    const unannotated: string[] = [];
    const walk = (schema: z.ZodType, path: string): void => {
      const def = (schema as unknown as { def: Record<string, unknown> & { type: string; checks?: { _zod: { def: { check: string } } }[] } }).def;
      const checks = (def.checks ?? []).map((c) => c._zod.def.check);
      if (checks.includes("custom") && !z.globalRegistry.get(schema)?.terraformChecks) unannotated.push(path);
      if (["default", "prefault", "optional", "nullable"].includes(def.type)) walk(def.innerType as z.ZodType, path);
      if (def.type === "array") walk(def.element as z.ZodType, `${path}[]`);
      if (def.type === "record") for (const part of ["keyType", "valueType"]) walk(def[part] as z.ZodType, `${path}.${part}`);
      if (def.type === "object") for (const [key, s] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(s, `${path}.${key}`);
    };
    for (const key of MODULE_INPUTS) walk(qdrantInputShape[key], key);
    expect(unannotated).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Through terraform.

requireTerraform();
const ENV = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };

function terraform(dir: string, args: string[], input?: string) {
  return spawnSync("terraform", args, { cwd: dir, env: ENV, encoding: "utf8", input, timeout: 60000 });
}

/** stdout of a run that must succeed. */
function succeeded(run: ReturnType<typeof terraform>): string {
  if (run.status !== 0 || /^Error: /m.test(run.stderr)) throw new Error(`terraform failed (${run.status ?? run.signal}):\n${run.stderr}`);
  return run.stdout;
}

/** A root module of variables.tf and `extra`, initialised. */
function root(parent: string, name: string, extra: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "variables.tf"), renderVariablesTf());
  writeFileSync(join(dir, "main.tf"), extra);
  succeeded(terraform(dir, ["init", "-input=false", "-no-color"]));
  return dir;
}

/** variables.tf with an output per variable (the values as Terraform reads them). */
const VARIABLES_CONFIG = {
  "variables.tf": renderVariablesTf(),
  "main.tf": variables.map((v) => `output "${v.name}" {\n  value     = var.${v.name}\n  sensitive = ${v.sensitive === true}\n}\n`).join("\n"),
};

/**
 * The plans of this file, registered while jest collects the tests and run together when a test first asks for
 * one: a single terraform plan with each plan a module of its own (planScenarios), each reporting its own errors.
 */
const plans: Record<string, ModuleScenario> = {};
let planResults: Record<string, TerraformDiagnostic[]> | undefined;

/** The error details of a plan of `config` with these variables (camelCase inputs, passed in the module's shape). */
function planErrors(name: string, config: Record<string, string>, inputs: Record<string, unknown>): () => string[] {
  if (plans[name]) throw new Error(`two plans are named ${name}`);
  plans[name] = { files: config, vars: Object.fromEntries(Object.entries(inputs).map(([key, value]) => [snakeCase(key), moduleValue(key as InputKey, value)])) };
  return () => {
    planResults ??= planScenarios(plans);
    return planResults[name].map((d) => d.detail.split("\n\nThis was checked by")[0]);
  };
}

interface BadCase {
  inputs: Record<string, unknown>;
  /** The error messages (each given by its start) Terraform must report, in zod's words too. */
  errors: string[];
  /** Module-only errors (or words of the module's own where zod uses its default message). */
  moduleOnly?: string[];
}

const BAD_CASES: BadCase[] = [
  {
    inputs: { customerName: "Acme_Corp" },
    errors: [
      "customer_name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, starting with a letter (it names Services).",
    ],
  },
  { inputs: { resourceName: "9lives" }, errors: ["resource_name must be a DNS-1123 label"] },
  { inputs: { namespace: "-qdrant" }, errors: ["namespace must be a DNS-1123 label"] },
  { inputs: { qdrantImage: "" }, errors: [], moduleOnly: ["qdrant_image must not be empty."] },
  { inputs: { qdrantVersion: "latest" }, errors: ['qdrant_version must be a release tag such as "v1.19.0".'], moduleOnly: ["qdrant_version must be v1.17.0 or newer"] },
  {
    inputs: { qdrantVersion: "v1.13.2" },
    errors: [],
    moduleOnly: [
      "qdrant_version must be v1.17.0 or newer: the module renders the v1.17+ metrics port and alternate-key settings; older versions are supported by the CDKTF stacks.",
    ],
  },
  { inputs: { replicas: 1.5 }, errors: ["replicas must be a whole number >= 1."] },
  { inputs: { storageSize: "50GB" }, errors: ['storage_size must be a Kubernetes quantity such as "50Gi".'] },
  { inputs: { storageType: "st1" }, errors: ['storage_type must be one of "gp3", "gp2", "io1", "io2".'] },
  { inputs: { storageIops: 50 }, errors: ["storage_iops must be a whole number >= 100."] },
  { inputs: { storageClassName: "Local_Path" }, errors: ["storage_class_name must be the name of an existing StorageClass (a DNS-1123 subdomain)."] },
  { inputs: { snapshotStorageSize: "lots" }, errors: ["snapshot_storage_size must be a Kubernetes quantity"] },
  {
    inputs: { resources: { requests: { cpu: "one", memory: "2 Gi" }, limits: { cpu: "x", memory: "8GB" } } },
    errors: [
      'resources.requests.cpu must be a Kubernetes quantity such as "500m".',
      'resources.requests.memory must be a Kubernetes quantity such as "2Gi".',
      "resources.limits.cpu must be",
      "resources.limits.memory must be",
    ],
  },
  // Quantities Kubernetes would reject at apply: negative ones, and zero limits and volume sizes.
  { inputs: { storageSize: "0" }, errors: ["storage_size must be greater than zero (Kubernetes rejects a volume claim of size zero)."] },
  { inputs: { storageSize: "-50Gi" }, errors: ["storage_size must not be negative (Kubernetes rejects negative quantities)."] },
  { inputs: { snapshotStorageSize: "0Gi" }, errors: ["snapshot_storage_size must be greater than zero (Kubernetes rejects a volume claim of size zero)."] },
  { inputs: { snapshotStorageSize: "-1" }, errors: ["snapshot_storage_size must not be negative (Kubernetes rejects negative quantities)."] },
  {
    inputs: { resources: { requests: { cpu: "-1", memory: "-2Gi" }, limits: { cpu: "0", memory: "0" } } },
    errors: [
      "resources.requests.cpu must not be negative (Kubernetes rejects negative quantities).",
      "resources.requests.memory must not be negative (Kubernetes rejects negative quantities).",
      "resources.limits.cpu must be greater than zero (a container limited to zero cannot run).",
      "resources.limits.memory must be greater than zero (a container limited to zero cannot run).",
    ],
  },
  { inputs: { resources: { limits: { cpu: "-4", memory: "-8Gi" } } }, errors: ["resources.limits.cpu must not be negative (Kubernetes rejects negative quantities).", "resources.limits.memory must not be negative (Kubernetes rejects negative quantities)."] },
  { inputs: { backupVolumeSize: "0" }, errors: ["backup_volume_size must be greater than zero (Kubernetes rejects a volume claim of size zero)."] },
  { inputs: { backupVolumeSize: "-1Gi" }, errors: ["backup_volume_size must not be negative (Kubernetes rejects negative quantities)."] },
  { inputs: { backupScratchSize: "0M" }, errors: ["backup_scratch_size must be greater than zero (Kubernetes rejects a volume claim of size zero)."] },
  { inputs: { backupScratchSize: "-3Gi" }, errors: ["backup_scratch_size must not be negative (Kubernetes rejects negative quantities)."] },
  { inputs: { apiKey: "short" }, errors: [], moduleOnly: ["api_key must be empty (the module then generates a random key) or at least 32 characters"] },
  {
    inputs: { backupSchedule: "0 25 * * *" },
    errors: ['backup_schedule must be a cron schedule such as "0 2 * * *" (five fields: minute 0-59, hour 0-23, day of month 1-31'],
  },
  { inputs: { backupSchedule: "@every 5m" }, errors: ["backup_schedule must be a cron schedule"] },
  { inputs: { backupSchedule: "0 2 * * FRI-MON" }, errors: ["backup_schedule must be a cron schedule"] },
  { inputs: { backupRetentionDays: 0 }, errors: ["backup_retention_days must be a whole number >= 1."] },
  {
    inputs: {
      collectionsConfig: [
        {
          name: "bad name",
          vectorSize: 0,
          distance: "Cosin",
          hnswConfig: { m: -1, efConstruct: 1, fullScanThreshold: 5 },
          quantization: { scalar: { type: "int4", quantile: 0.2 } },
          payloadIndexes: [{ fieldName: "", fieldSchema: "blob" }],
          replicationFactor: 0,
          writeConsistencyFactor: 0.5,
          shardNumber: 0,
        },
        {
          name: "ok",
          vectorSize: 65537,
          quantization: { product: { compression: "x3" } },
          optimizersConfig: {
            deletedThreshold: 2,
            vacuumMinVectorNumber: 5,
            defaultSegmentNumber: 1.5,
            maxSegmentSize: 0,
            memmapThreshold: -1,
            indexingThreshold: -1,
            flushIntervalSec: -1,
            maxOptimizationThreads: -1,
          },
        },
      ],
    },
    errors: [
      "collections_config[*].name must be 1-255 letters, digits, '_' or '-' (it becomes a URL path and a backup folder name).",
      "collections_config[*].vector_size must be a whole number from 1 to 65536 (dimensions).",
      'collections_config[*].distance must be one of "Cosine", "Euclid", "Dot", "Manhattan".',
      "collections_config[*].hnsw_config.m must be a whole number >= 0 (edges per node).",
      "collections_config[*].hnsw_config.ef_construct must be",
      "collections_config[*].hnsw_config.full_scan_threshold must be",
      'collections_config[*].quantization.scalar.type must be one of "int8".',
      "collections_config[*].quantization.scalar.quantile must be from 0.5 to 1.",
      "collections_config[*].quantization.product.compression must be one of",
      "collections_config[*].optimizers_config.vacuum_min_vector_number must be",
      "collections_config[*].optimizers_config.default_segment_number must be",
      "collections_config[*].optimizers_config.max_segment_size must be",
      "collections_config[*].optimizers_config.memmap_threshold must be",
      "collections_config[*].optimizers_config.indexing_threshold must be",
      "collections_config[*].optimizers_config.flush_interval_sec must be",
      "collections_config[*].optimizers_config.max_optimization_threads must be",
      "collections_config[*].payload_indexes[*].field_name must be a non-empty payload field name.",
      "collections_config[*].payload_indexes[*].field_schema must be one of",
      "collections_config[*].replication_factor must be",
      "collections_config[*].write_consistency_factor must be",
      "collections_config[*].shard_number must be",
    ],
    moduleOnly: ["collections_config[*].optimizers_config.deleted_threshold must be a number from 0 to 1."],
  },
  {
    // Valid parts (zod checks the object only then): two quantizations at once.
    inputs: { collectionsConfig: [{ name: "q", vectorSize: 4, quantization: { scalar: {}, binary: { alwaysRam: true } } }] },
    errors: ["collections_config[*].quantization must set exactly one of scalar, product or binary."],
  },
  {
    inputs: { commonLabels: { "bad key!": "ok", good: "bad value!" } },
    errors: ["common_labels: label keys are [prefix/]name: name up to 63 letters, digits, '-', '_', '.'.", "common_labels: label values are up to 63 letters"],
  },
  { inputs: { monitoringNamespace: "Monitoring" }, errors: ["monitoring_namespace must be a DNS-1123 label"] },
  {
    inputs: { backupKmsKeyArn: "alias/backups", backupScratchSize: "lots", backupScratchStorageClassName: "Scratch_Class", backupRestoreTimestamp: "yesterday", backupVerifySchedule: "0 5 * *", podAntiAffinityMode: "always" },
    errors: [
      "backup_kms_key_arn must be a KMS key ARN.",
      'backup_scratch_size must be a Kubernetes quantity such as "50Gi".',
      "backup_scratch_storage_class_name must be the name of an existing StorageClass",
      'backup_restore_timestamp must be a backup timestamp YYYYMMDD_HHMMSS or "latest".',
      'backup_verify_schedule must be a cron schedule such as "0 5 * * 0"',
      'pod_anti_affinity_mode must be one of "required", "preferred".',
    ],
  },
  {
    inputs: { apiKeySource: "vault", apiKeySecretName: "Keys!", apiKeySecretsManagerId: "" },
    errors: ['api_key_source must be one of "generate", "variable", "existingSecret", "awsSecretsManager".', "api_key_secret_name must be a DNS-1123 label"],
    moduleOnly: ["api_key_secrets_manager_id must not be empty."],
  },
  {
    inputs: { monitoring: { scrapeInterval: "30 seconds", labels: { "bad key!": "x", ok: "bad value!" }, metricsPort: 80 } },
    errors: [
      'monitoring.scrape_interval must be a duration such as "30s".',
      "monitoring.labels: label keys are",
      "monitoring.labels: label values are",
      "monitoring.metrics_port must be a whole number from 1024 to 65535.",
    ],
  },
  {
    inputs: { backupTarget: "nfs", backupS3Endpoint: "minio:9000", backupS3CredentialsSecret: "Minio_Keys", backupVolumeSize: "lots" },
    errors: [
      'backup_target must be one of "s3", "pvc".',
      "backup_s3_credentials_secret must be a DNS-1123 label",
      'backup_volume_size must be a Kubernetes quantity such as "50Gi".',
    ],
    // zod takes "minio:9000" as a URL with the scheme "minio:"; the module wants http(s) and a host.
    moduleOnly: ["backup_s3_endpoint must be a URL such as http://minio.minio:9000."],
  },
  {
    inputs: { backupIdentity: "keys" },
    errors: ['backup_identity must be one of "irsa", "podIdentity".'],
  },
  {
    inputs: { networkPolicyClients: [{ podSelector: { "bad key!": "x", ok: "bad value!" } }, { namespaceSelector: { "bad key!": "x", ok: "bad value!" } }, { cidr: "10.0.0.0/33" }] },
    errors: [
      "network_policy_clients[*].pod_selector: label keys are",
      "network_policy_clients[*].pod_selector: label values are",
      "network_policy_clients[*].namespace_selector: label keys are",
      "network_policy_clients[*].namespace_selector: label values are",
      'network_policy_clients[*].cidr must be an IPv4 CIDR such as "10.0.0.0/16".',
    ],
  },
  {
    inputs: { networkPolicyClients: [{}, { cidr: "10.0.0.0/8", podSelector: { app: "x" } }] },
    errors: [],
    moduleOnly: [
      "network_policy_clients[*] must set pod_selector, namespace_selector or cidr.",
      "network_policy_clients[*]: cidr cannot be combined with selectors; list it as a separate client.",
    ],
  },
  { inputs: { allowedCidrs: ["10.0.0.0/8", "10.0.0.0/33"] }, errors: ['allowed_cidrs[*] must be an IPv4 CIDR such as "10.0.0.0/16".'] },
  { inputs: { nodeSelector: { "a/b/c": "x", ok: "-x" } }, errors: ["node_selector: label keys are", "node_selector: label values are"] },
  {
    inputs: { tolerations: [{ key: "dedicated", operator: "In", effect: "Never", tolerationSeconds: -5 }] },
    errors: ['tolerations[*].operator must be one of "Equal", "Exists".', "tolerations[*].effect must be one of", "tolerations[*].toleration_seconds must be a whole number >= 0."],
  },
  {
    inputs: { podSecurity: { runAsUser: 0, runAsGroup: 0.5, fsGroup: -1 } },
    errors: ["pod_security.run_as_user must be a whole number >= 1.", "pod_security.run_as_group must be", "pod_security.fs_group must be"],
  },
  { inputs: { startupTimeoutSeconds: 5 }, errors: ["startup_timeout_seconds must be a whole number >= 10."] },
  { inputs: { applyWaitMinutes: 4 }, errors: ["apply_wait_minutes must be a whole number >= 5."] },
  { inputs: { walCapacityMb: 0 }, errors: ["wal_capacity_mb must be a whole number >= 1."] },
  { inputs: { maxRequestSizeMb: 0.5 }, errors: ["max_request_size_mb must be a whole number >= 1."] },
  { inputs: { jobImage: "alpine/k8s:latest" }, errors: ['job_image must be pinned; "latest" changes under you.'] },
  { inputs: { jobImage: "Alpine" }, errors: ['job_image must be an image pinned by tag or digest, such as "alpine/k8s:1.33.4".'] },
  { inputs: { logLevel: "info" }, errors: ['log_level must be one of "TRACE", "DEBUG", "INFO", "WARN", "ERROR".'] },
  { inputs: { logFormat: "xml" }, errors: ['log_format must be one of "json", "text".'] },
  {
    inputs: { allowDestroy: ["kubernetes_stateful_set_v1.qdrant", "module.qdrant.kubernetes_stateful_set_v1.qdrant[0]"] },
    errors: ['allow_destroy[*] must be a Terraform address in this deployment such as "kubernetes_stateful_set_v1.qdrant".'],
  },
];

/**
 * Cases whose inputs do not overlap share a plan: Terraform reports every failing validation at once. (Terraform's
 * cost here is evaluating variables.tf's validations, once per plan or module: fewer plans, less time.)
 */
function batches(cases: BadCase[]): BadCase[][] {
  const runs: BadCase[][] = [];
  for (const c of cases) {
    const run = runs.find((r) => r.every((other) => Object.keys(other.inputs).every((key) => !(key in c.inputs))));
    if (run) run.push(c);
    else runs.push([c]);
  }
  return runs;
}

/** The words of a message that zod and Terraform share: after the field name, before any "(...)" detail. */
const core = (message: string) => message.split(" (")[0].replace(/\.$/, "");

/** Values everyone agrees on, so a plan fails only where a case says (backups and cross-field rules aside). */
const BASE = { customerName: "acme" };

describe("module variables through terraform", () => {
  let parent: string;
  let variablesDir: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), "module-variables-"));
    variablesDir = root(parent, "variables", VARIABLES_CONFIG["main.tf"]);
  }, 60000);
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it("variables.tf is as terraform fmt writes it", () => {
    const run = terraform(variablesDir, ["fmt", "-check", "-diff", "-no-color", "variables.tf"]);
    expect(run.stdout).toBe("");
    expect(run.status).toBe(0);
  });

  it("applies the schema's defaults, nested optional() defaults included", () => {
    succeeded(terraform(variablesDir, ["apply", "-auto-approve", "-input=false", "-lock=false", "-no-color", "-var", "customer_name=acme"]));
    const outputs = JSON.parse(succeeded(terraform(variablesDir, ["output", "-json"]))) as Record<string, { value: unknown }>;
    const value = (name: string) => outputs[name]?.value ?? null; // null outputs are left out
    expect(value("resources")).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } });
    expect(value("backup_s3_bucket")).toBe("");
    expect(value("api_key")).toBe("");
    expect(value("telemetry_enabled")).toBe(false);
    expect(value("enable_network_policy")).toBe(false);
    expect(value("eks_cluster_name")).toBeNull();
    const [documents] = value("collections_config") as Record<string, unknown>[];
    expect(documents).toMatchObject({
      name: "documents",
      vector_size: 1536,
      distance: "Cosine",
      on_disk_payload: true,
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 20000, on_disk: null },
      quantization: null,
      replication_factor: null,
    });
    expect((documents.payload_indexes as { field_name: string }[]).map((p) => p.field_name)).toEqual([
      "document_id",
      "filename",
      "content_type",
      "upload_timestamp",
      "customer_id",
      "tags",
    ]);
    // Every default is zod's (unset optional attributes are null in Terraform, absent in zod).
    const parsed = qdrantInputSchema.parse(BASE) as Record<string, unknown>;
    const withoutNulls = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(withoutNulls) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)])) : v;
    for (const key of MODULE_INPUTS.filter((k) => k !== "apiKey")) {
      expect([key, withoutNulls(value(snakeCase(key)))]).toEqual([key, withoutNulls(moduleValue(key, parsed[key]))]);
    }
  });

  const goodValues = planErrors("good_values", VARIABLES_CONFIG, {
    ...BASE,
    resourceName: "qdrant",
    qdrantVersion: "v1.17.0-rc.1",
    storageIops: 3000,
    storageClassName: "local-path",
    snapshotStorageSize: "10Gi",
    resources: { requests: { cpu: "250m", memory: "1.5Gi" } },
    apiKey: "k".repeat(32),
    backupSchedule: "*/15 0-6,22 ? JAN-mar mon-FRI",
    collectionsConfig: [
      { name: "Docs_2", vectorSize: 65536, distance: "Manhattan", quantization: { scalar: { quantile: 0.99, alwaysRam: true } }, payloadIndexes: [] },
      { name: "b", vectorSize: 1, quantization: { binary: {} }, optimizersConfig: { deletedThreshold: 0.2 }, replicationFactor: 1 },
    ],
    commonLabels: { "app.kubernetes.io/part-of": "ai", Environment: "", "example.com/x_y.z": "A-1" },
    allowedCidrs: ["0.0.0.0/0", "255.255.255.255/32"],
    tolerations: [{ operator: "Exists" }, { key: "k", value: "v", effect: "NoExecute", tolerationSeconds: 0 }],
    jobImage: `registry.example.com/tools/k8s@sha256:${"a".repeat(64)}`,
    logFormat: "text",
  });
  it("accepts good values of every kind", () => {
    expect(goodValues()).toEqual([]);
  });

  const runs = batches(BAD_CASES).map((run, i, all) => ({ run, plan: `${i + 1} of ${all.length}`, errors: planErrors(`bad_values_${i + 1}`, VARIABLES_CONFIG, Object.assign({ ...BASE }, ...run.map((c) => c.inputs))) }));
  it.each(runs)("rejects bad values with the schema's words (plan $plan)", ({ run, errors: planErrorsOf }) => {
    const errors = planErrorsOf();
    const expected = run.flatMap((c) => [...c.errors, ...(c.moduleOnly ?? [])]);
    for (const start of expected) expect([start, errors.filter((e) => e.startsWith(start)).length]).toEqual([start, 1]);
    expect(errors).toHaveLength(expected.length);
    for (const c of run) {
      const zodMessages = collectProblems(qdrantInputSchema, [], { ...BASE, ...c.inputs }).problems.map((p) => core(p.message));
      for (const start of c.errors) {
        const message = errors.find((e) => e.startsWith(start)) as string;
        expect([message, zodMessages.some((m) => m.length > 0 && core(message).endsWith(m))]).toEqual([message, true]);
      }
    }
  });

  it("has a bad case for every validation", () => {
    const covered = BAD_CASES.flatMap((c) => [...c.errors, ...(c.moduleOnly ?? [])]);
    const uncovered = variables.flatMap((v) => v.validations.map((x) => x.errorMessage)).filter((m) => !covered.some((start) => m.startsWith(start)));
    expect(uncovered).toEqual([]);
  });

  it("checks each kind of value as zod does", () => {
    const samples: [InputKey, unknown[], string?][] = [
      ["customerName", ["acme", "a", "acme-corp-2", "Acme", "1acme", "acme-", "-acme", "a".repeat(63), "a".repeat(64), "", "ac_me", "a.b"]],
      ["namespace", ["qdrant", "0", "1-a", "a-", "A", "a".repeat(63), "a".repeat(64), ""]],
      ["storageClassName", ["local-path", "gp3.example.com", "a.b-c.d", "Local", "a..b", ".a", "a.", `${"a".repeat(63)}.${"b".repeat(63)}`, "a".repeat(253), "a".repeat(254), ""]],
      ["storageSize", ["50Gi", "1", "1.5", ".5", "1.", "+1", "-1", "250m", "1e3", "1E-3", "5n", "5u", "2k", "1Ei", "1Gb", "Gi", "", "1 Gi", "1ki", "1.2.3", "e3", "0", "00", "0.0Gi", "-0", ".0e5", "0abc", "0.1", "-1Ei"]],
      [
        "backupSchedule",
        [
          "0 2 * * *",
          "*/15 * * * *",
          "0 0 1 1 *",
          "0,30 */2 1-15/3 * *",
          "0-59/5 * * * *",
          "007 2 * * *",
          "0 0 * JAN-MAR MON-FRI",
          "0 0 * jan sun",
          "0 0 ? * ?",
          "  0 2 * * *  ",
          "@daily",
          "@hourly",
          "@yearly",
          "59 23 31 12 6",
          "0 24 * * *",
          "0 25 * * *",
          "60 * * * *",
          "0 0 * 0 *",
          "0 0 0 * *",
          "0 0 32 * *",
          "0 0 * 13 *",
          "0 0 * * 7",
          "0 0 * * FRI-MON",
          "5-3 * * * *",
          "? 0 * * *",
          "0 0 * ? *",
          "@every 5m",
          "@reboot",
          "0 2 * *",
          "0 2 * * * *",
          "TZ=UTC 0 2 * * *",
          "0 2 * * 1/0",
          "0 2 * * 1-",
          "0 2 * * ,1",
          "0 2 * * JANUARY",
          "0 2 * SUN *",
          "",
        ],
      ],
      ["qdrantVersion", ["v1.19.0", "1.17.0", "v1.17.0-rc.1", "v2.0.0", "v1.16.9", "v1.13.2", "v0.99.0", "v1.7.4", "latest", "v1.19", "v1.19.0.1", "v1.19.0-"]],
      ["jobImage", ["alpine/k8s:1.33.4", `a@sha256:${"0".repeat(64)}`, "registry:5000/x/y:tag_1", "alpine/k8s:latest", "alpine", "Alpine/k8s:1", "a:-x", `a:${"t".repeat(129)}`]],
      ["allowedCidrs", [["10.0.0.0/16"], ["0.0.0.0/0"], ["10.0.0.0/33"], ["256.0.0.0/8"], ["10.0.0/8"], ["010.0.0.0/8"], ["10.0.0.0"], ["::/0"], ["1.2.3.4/032"]]],
      [
        "commonLabels",
        [
          { "app.kubernetes.io/name": "qdrant" },
          { Environment: "production" },
          { a: "" },
          { ["x".repeat(63)]: "y".repeat(63) },
          { [`${"p".repeat(253)}/n`]: "x" },
          { "a/b/c": "x" },
          { "-a": "x" },
          { a: "-x" },
          { a: "x".repeat(64) },
          { ["x".repeat(64)]: "x" },
          { [`${"p".repeat(254)}/n`]: "x" },
          { "/n": "x" },
          { "example.com/": "x" },
          { "Example.com/n": "x" },
        ],
      ],
    ];
    const expressions: string[] = [];
    const expected: boolean[] = [];
    for (const [key, values] of samples) {
      const v = variable(snakeCase(key));
      for (const value of values) {
        const literal = hclValue(moduleValue(key, value), true);
        expressions.push(`alltrue([${v.validations.map((x) => x.condition.split(`var.${v.name}`).join(literal)).join(", ")}])`);
        const zodAccepts = qdrantInputShape[key].safeParse(value).success;
        expected.push(key === "qdrantVersion" ? zodAccepts && atLeast(value as string, MODULE_MIN_QDRANT_VERSION) : zodAccepts);
      }
    }
    // Collection names: the name check alone (the other attributes are not in a literal).
    const nameCheck = variable("collections_config").validations[0];
    for (const name of ["documents", "Docs_2-b", "x".repeat(255), "x".repeat(256), "", "a b", "a/b", "ä"]) {
      expressions.push(nameCheck.condition.split("var.collections_config").join(hclValue([{ name }], true)));
      expected.push(collectionSchema.shape.name.safeParse(name).success);
    }
    const quantities = ["1", "1000m", "1.5", "250m", "2Gi", "1Ei", "1e3", "1E-3", "5n", "3u", "0.1", "100m", "2k", "1.5Ti"];
    // As locals in a file: the console reads at most 64 KiB per line.
    const dir = join(parent, "console");
    mkdirSync(dir);
    const locals = [
      `verdicts = [\n${expressions.map((e) => `    ${e},\n`).join("")}  ]`,
      `quantities = [${quantities.map((q) => hclQuantity(hclString(q))).join(", ")}]`,
      `exact = ${hclQuantity('"1000m"')} == ${hclQuantity('"1"')}`,
    ];
    writeFileSync(join(dir, "main.tf"), `locals {\n${locals.map((l) => `  ${l}\n`).join("")}}\n`);
    const output = succeeded(terraform(dir, ["console"], "jsonencode([local.verdicts, local.quantities, local.exact])"));
    const [verdicts, values, exact] = JSON.parse(JSON.parse(output)) as [boolean[], number[], boolean];
    const mismatches = verdicts.flatMap((verdict, i) => (verdict === expected[i] ? [] : [`${expressions[i].slice(0, 160)}: terraform ${verdict}, zod ${expected[i]}`]));
    expect(mismatches).toEqual([]);
    expect(parseQuantity("1Ei")).toBe(2 ** 60);
    values.forEach((v, i) => expect([quantities[i], v / (parseQuantity(quantities[i]) as number)]).toEqual([quantities[i], expect.closeTo(1, 12)]));
    expect(exact).toBe(true);
  });

  const neverRuns = "0 0 30 2 *";
  const neverRunsErrors = planErrors("schedule_never_runs", VARIABLES_CONFIG, { ...BASE, backupSchedule: neverRuns });
  it("accepts schedules that never run (zod rejects them): Terraform has no calendar", () => {
    expect(qdrantInputShape.backupSchedule.safeParse(neverRuns).success).toBe(false);
    expect(neverRunsErrors()).toEqual([]);
  });
});
