/**
 * The published Terraform module's variables (variables.tf), derived from the input schema: snake_case names
 * (those of the qdrant-deployment module this project keeps), HCL types with optional() defaults, the schema's
 * defaults and descriptions, and validation blocks for the checks zod makes (module-variable-types.ts has their
 * HCL forms). moduleRules() turns the cross-field rules of rules.ts into conditions for lifecycle preconditions.
 * No cdktf here.
 */
import { z } from "zod";
import { hclAttributes, hclQuantity, hclString, hclType, hclValue, checksOf, JsonSchema, toTerraformValue } from "./variable-types";
import { MAX_RESOURCE_NAME_LENGTH } from "../config/rules";
import { qdrantInputSchema, qdrantInputShape, snakeCase } from "../config/schema";

type InputKey = keyof typeof qdrantInputShape;

/** The inputs the module exposes as variables, in variables.tf order. */
export const MODULE_INPUTS = [
  "customerName",
  "resourceName",
  "namespace",
  "createNamespace",
  "qdrantImage",
  "qdrantVersion",
  "replicas",
  "storageSize",
  "storageType",
  "storageIops",
  "storageClassName",
  "snapshotStorageSize",
  "resources",
  "enableAuthentication",
  "apiKey",
  "apiKeySource",
  "apiKeySecretName",
  "apiKeySecretsManagerId",
  "backupEnabled",
  "backupS3Bucket",
  "backupSchedule",
  "backupRetentionDays",
  "backupTarget",
  "backupS3Endpoint",
  "backupS3CredentialsSecret",
  "backupVolumeSize",
  "backupCreateBucket",
  "backupKmsKeyArn",
  "backupIdentity",
  "backupScratchSize",
  "backupScratchStorageClassName",
  "backupRestoreTimestamp",
  "backupRestoreReplaceIncompatible",
  "backupVerifySchedule",
  "eksClusterName",
  "collectionsConfig",
  "commonLabels",
  "enableNetworkPolicy",
  "networkPolicyClients",
  "monitoringNamespace",
  "restrictEgress",
  "enableExternalAccess",
  "allowedCidrs",
  "enablePodAntiAffinity",
  "podAntiAffinityMode",
  "spreadAcrossZones",
  "nodeSelector",
  "tolerations",
  "podSecurity",
  "startupTimeoutSeconds",
  "applyWaitMinutes",
  "clusterDomain",
  "walCapacityMb",
  "maxRequestSizeMb",
  "jobImage",
  "enforceInternalAuth",
  "telemetryEnabled",
  "logLevel",
  "logFormat",
  "monitoring",
  "allowDestroy",
] as const satisfies readonly InputKey[];

/** Inputs only the CDKTF stacks take. */
export const MODULE_EXCLUDED_INPUTS: InputKey[] = (Object.keys(qdrantInputShape) as InputKey[]).filter((key) => !(MODULE_INPUTS as readonly string[]).includes(key));

export interface ModuleValidation {
  /** An HCL expression over this variable only. */
  condition: string;
  errorMessage: string;
}

export interface ModuleVariable {
  /** snakeCase(key): the Terraform variable's name. */
  name: string;
  key: string;
  /** HCL type expression. */
  type: string;
  /** JSON value in the module's snake_case shape; undefined: required. */
  default?: unknown;
  nullable?: boolean;
  sensitive?: boolean;
  description: string;
  validations: ModuleValidation[];
}

/** The oldest Qdrant the module runs: it renders the v1.17+ metrics port and alternate-key settings. */
export const MODULE_MIN_QDRANT_VERSION = "1.17.0";

/** At least this: lexicographic over major.minor.patch, trailing zero parts dropped. */
function versionAtLeast(x: string, minimum: string): string {
  const parts = minimum.split(".").map(Number);
  while (parts.length > 1 && parts[parts.length - 1] === 0) parts.pop();
  const part = (i: number) => `tonumber(v[${i}])`;
  const from = (i: number): string => (i === parts.length - 1 ? `${part(i)} >= ${parts[i]}` : `${part(i)} > ${parts[i]} || (${part(i)} == ${parts[i]} && ${from(i + 1)})`);
  return `try(alltrue([for v in [regex("^v?([0-9]+)\\\\.([0-9]+)\\\\.([0-9]+)", ${x})] : ${from(0)}]), false)`;
}

/** Where the module's semantics differ from the CDKTF stacks' (the schema describes those). */
const MODULE_SEMANTICS: Partial<Record<InputKey, Partial<Omit<ModuleVariable, "validations">> & { note?: string; validations?: ModuleValidation[] }>> = {
  apiKey: {
    default: "",
    nullable: false,
    sensitive: true,
    description:
      "API key for authentication (at least 32 characters). Empty: the module generates a random key (kept in Terraform state); the read-only key is generated too. With api_key_source existingSecret or awsSecretsManager, leave it empty.",
    validations: [
      {
        condition: 'var.api_key == "" || length(var.api_key) >= 32',
        errorMessage: "api_key must be empty (the module then generates a random key) or at least 32 characters; pass it from a sensitive variable.",
      },
    ],
  },
  qdrantVersion: {
    note: `The module needs v${MODULE_MIN_QDRANT_VERSION} or newer.`,
    validations: [
      {
        condition: versionAtLeast("var.qdrant_version", MODULE_MIN_QDRANT_VERSION),
        errorMessage: `qdrant_version must be v${MODULE_MIN_QDRANT_VERSION} or newer: the module renders the v1.17+ metrics port and alternate-key settings; older versions are supported by the CDKTF stacks.`,
      },
    ],
  },
  apiKeySource: {
    note: "In the module: unset or generate: both keys generated (a non-empty api_key replaces the read-write one, when unset only); variable: api_key is the read-write key (required), the read-only key generated; existingSecret or awsSecretsManager: both keys from there.",
  },
  backupS3Bucket: { note: "Required when backup_enabled." },
  eksClusterName: { note: "Required for backups to AWS S3: the backup pods reach S3 through IRSA or Pod Identity on this cluster." },
};

const INPUT_NAMES = new RegExp(`\\b(${Object.keys(qdrantInputShape).join("|")})\\b`, "g");
/** camelCase input names in a description, as the module's variable names. */
const snakeNames = (text: string) => text.replace(INPUT_NAMES, (name) => snakeCase(name));

/** Where a check applies: the value's expression and name, and how it may be null. */
interface Site {
  expr: string;
  label: string;
  /** Null when not set (an optional input or attribute without a default). */
  optional: boolean;
  /** An enclosing object may be null: reach the value through try(). */
  underOptional: boolean;
  /** A required attribute: a caller may still set it to null explicitly. */
  required: boolean;
  /** Wraps a condition in the enclosing `for` expressions. */
  loop: (condition: string) => string;
  bound: string[];
}

/** Null passes (where the value may be unset); a required attribute set to null explicitly fails the check. */
function guarded(at: Site, condition: string, neverFails = false): string {
  if (at.optional || at.underOptional) return `${at.underOptional ? `try(${at.expr}, null)` : at.expr} == null ? true : ${condition}`;
  return at.required && !neverFails ? `try(${condition}, false)` : condition;
}

function message(label: string, error: string, detail?: string): string {
  const text = `${label}${/^(must|is|cannot|needs) /.test(error) ? " " : ": "}${error}${detail ? ` (${detail})` : ""}`;
  return /[.?]$/.test(text) ? text : `${text}.`;
}

function validationsOf(s: JsonSchema, at: Site): ModuleValidation[] {
  const own = checksOf(s).map(({ form, error }) => ({
    condition: at.loop(guarded(at, form.condition(at.expr, s), form.neverFails)),
    errorMessage: message(at.label, error, form.detail),
  }));
  // A list or map that may be null is iterated as an empty one then (`in(`: as terraform fmt writes it).
  const loop = (binding: string, inner: Partial<Site> & Pick<Site, "expr">, bound: string[], empty: string): Site => {
    const source = at.optional || at.underOptional ? `(${at.underOptional ? `try(${at.expr}, null)` : at.expr} == null ? ${empty} : ${at.expr})` : at.expr;
    return { label: at.label, optional: false, underOptional: false, required: false, bound, loop: (c) => at.loop(`alltrue([for ${binding} in${source === at.expr ? " " : ""}${source} : ${c}])`), ...inner };
  };
  if (s.type === "object" && s.properties) {
    return [
      ...own,
      ...Object.entries(s.properties).flatMap(([key, p]) => {
        const required = (s.required ?? []).includes(key);
        const name = snakeCase(key);
        const child = { ...at, expr: `${at.expr}.${name}`, label: `${at.label}.${name}`, required, optional: !required && p.default === undefined, underOptional: at.underOptional || at.optional };
        return validationsOf(p, child);
      }),
    ];
  }
  if (s.type === "array" && s.items) {
    const name = at.label.replace(/.*[.\]]/, "");
    const v = [name[0], ...name.split("_").map((w) => w[0]), "x", "y"].find((c) => c && !at.bound.includes(c)) as string;
    return [...own, ...validationsOf(s.items, loop(v, { expr: v, label: `${at.label}[*]` }, [...at.bound, v], "[]"))];
  }
  if (s.type === "object") {
    const values = typeof s.additionalProperties === "object" ? s.additionalProperties : {};
    const bound = [...at.bound, "k", "v"];
    return [...own, ...validationsOf(s.propertyNames ?? {}, loop("k, v", { expr: "k" }, bound, "{}")), ...validationsOf(values, loop("k, v", { expr: "v" }, bound, "{}"))];
  }
  return own;
}

let inputJsonSchema: JsonSchema | undefined;
function inputSchema(): JsonSchema {
  inputJsonSchema ??= z.toJSONSchema(qdrantInputSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return inputJsonSchema;
}

/** A camelCase input value in the module's snake_case shape (what a tfvars file or module block passes). */
export function moduleValue(key: InputKey, value: unknown): unknown {
  return toTerraformValue(inputSchema().properties?.[key] ?? {}, value);
}

export function moduleVariables(): ModuleVariable[] {
  const json = inputSchema();
  return MODULE_INPUTS.map((key): ModuleVariable => {
    const s = json.properties?.[key];
    if (!s) throw new Error(`${key} is not an input`);
    const name = snakeCase(key);
    const required = (json.required ?? []).includes(key);
    const byDefault = required ? undefined : s.default === undefined ? null : toTerraformValue(s, s.default);
    const { note, validations = [], ...semantics } = MODULE_SEMANTICS[key] ?? {};
    const site: Site = { expr: `var.${name}`, label: name, optional: byDefault === null, underOptional: false, required: false, loop: (c) => c, bound: [] };
    return {
      name,
      key,
      type: hclType(s),
      default: byDefault,
      nullable: byDefault === null,
      description: [snakeNames(s.description ?? ""), note].filter(Boolean).join(" "),
      validations: [...validationsOf(s, site), ...validations],
      ...semantics,
    };
  });
}

const q = hclQuantity;
const GI = 2 ** 30;

/**
 * The cross-field rules of rules.ts that concern the module's variables, as conditions over `var.*`
 * (for lifecycle preconditions). Rules about CDKTF-only inputs are left out; so is rules.ts's storageType
 * check, which needs to tell an explicit storage_type from its default.
 */
export function moduleRules(): ModuleValidation[] {
  const forEachCollection = (condition: string) => `alltrue([for c in var.collections_config : ${condition}])`;
  const limitAtLeastRequest = (kind: string) => ({
    condition: `try(${q(`var.resources.limits.${kind}`)} >= ${q(`var.resources.requests.${kind}`)}, true)`,
    errorMessage: `resources.limits.${kind} is below resources.requests.${kind}; a limit must be at least the request.`,
  });
  return [
    {
      condition: `length(coalesce(var.resource_name, format("%s-qdrant", var.customer_name))) <= ${MAX_RESOURCE_NAME_LENGTH}`,
      errorMessage: `customer_name (or resource_name) makes the object name "<customer_name>-qdrant" (or resource_name) longer than ${MAX_RESOURCE_NAME_LENGTH} characters; at most ${MAX_RESOURCE_NAME_LENGTH}, because "<name>-backup" (a CronJob) must fit Kubernetes' 52-character limit; choose a shorter customer_name or resource_name.`,
    },
    limitAtLeastRequest("cpu"),
    limitAtLeastRequest("memory"),
    {
      condition: `var.storage_class_name != null || !contains(["io1", "io2"], var.storage_type) || var.storage_iops != null`,
      errorMessage: "storage_iops is required when storage_type is io1 or io2 (provisioned-IOPS volumes need an IOPS figure).",
    },
    {
      condition: `var.storage_iops == null || var.storage_type != "gp2"`,
      errorMessage: 'storage_iops cannot be set for storage_type "gp2"; use gp3 for configurable IOPS.',
    },
    {
      condition: "var.storage_iops == null || var.storage_class_name == null",
      errorMessage: "storage_iops only applies to the StorageClass this module creates, but storage_class_name selects an existing one; remove one of the two.",
    },
    {
      condition: `try(${q("var.storage_size")} >= ${GI}, true)`,
      errorMessage: 'storage_size is below 1Gi; use at least "1Gi" (EBS volumes start at 1 GiB).',
    },
    {
      condition: `var.snapshot_storage_size == null ? true : try(${q("var.snapshot_storage_size")} >= ${GI}, true)`,
      errorMessage: 'snapshot_storage_size is below 1Gi; use at least "1Gi" (EBS volumes start at 1 GiB).',
    },
    {
      condition: '!var.backup_enabled || var.backup_target != "s3" || var.backup_s3_bucket != ""',
      errorMessage: "backup_s3_bucket is required when backup_enabled is true; name the S3 bucket, or set backup_enabled = false.",
    },
    {
      condition: [
        'var.backup_s3_bucket == "" || (',
        `can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.backup_s3_bucket)) && !strcontains(var.backup_s3_bucket, "..")`,
        ` && !can(regex("^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$", var.backup_s3_bucket)))`,
      ].join(""),
      errorMessage: "backup_s3_bucket must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', no '..', not an IP address.",
    },
    {
      condition: '!var.backup_enabled || var.backup_target != "s3" || var.backup_s3_endpoint != null || (var.eks_cluster_name != null && var.eks_cluster_name != "")',
      errorMessage:
        "eks_cluster_name is required for backups to AWS S3: the backup pods reach S3 through IRSA or Pod Identity on that EKS cluster; set it, or use backup_s3_endpoint (with backup_s3_credentials_secret) or backup_target = \"pvc\", or set backup_enabled = false.",
    },
    {
      condition: "!var.enable_external_access || length(var.allowed_cidrs) > 0",
      errorMessage:
        "allowed_cidrs is required when enable_external_access is true: the source ranges the LoadBalancer accepts (an open LoadBalancer is never the default).",
    },
    {
      condition: 'var.api_key_source != "existingSecret" || var.api_key_secret_name != null',
      errorMessage: 'api_key_secret_name is required when api_key_source is "existingSecret": the Secret holding api-key and read-only-api-key.',
    },
    {
      condition: 'var.api_key_source != "awsSecretsManager" || var.api_key_secrets_manager_id != null',
      errorMessage: 'api_key_secrets_manager_id is required when api_key_source is "awsSecretsManager": the secret whose JSON has api-key and read-only-api-key.',
    },
    {
      condition: 'var.api_key_source != "variable" || var.api_key != ""',
      errorMessage: 'api_key is required when api_key_source is "variable"; pass it from a sensitive variable, or leave api_key_source unset to generate the key.',
    },
    {
      condition: 'var.api_key == "" || !contains(["generate", "existingSecret", "awsSecretsManager"], coalesce(var.api_key_source, "unset"))',
      errorMessage: 'api_key cannot be combined with api_key_source generate, existingSecret or awsSecretsManager; choose one key source (api_key_source "variable", or unset, uses api_key).',
    },
    {
      condition: 'var.api_key_secret_name == null || var.api_key_source == "existingSecret"',
      errorMessage: 'api_key_secret_name is only used with api_key_source "existingSecret".',
    },
    {
      condition: 'var.api_key_secrets_manager_id == null || var.api_key_source == "awsSecretsManager"',
      errorMessage: 'api_key_secrets_manager_id is only used with api_key_source "awsSecretsManager".',
    },
    {
      condition: "var.backup_s3_endpoint == null || var.backup_s3_credentials_secret != null",
      errorMessage: "backup_s3_credentials_secret is required with backup_s3_endpoint: the Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    },
    {
      condition: "!var.backup_create_bucket || (var.backup_target == \"s3\" && var.backup_s3_endpoint == null)",
      errorMessage: "backup_create_bucket creates an AWS S3 bucket; it cannot create one on backup_s3_endpoint or for backup_target = \"pvc\".",
    },
    {
      condition: 'var.backup_kms_key_arn == null || (var.backup_target == "s3" && var.backup_s3_endpoint == null)',
      errorMessage: "backup_kms_key_arn only applies to AWS S3 backups (the key of a created bucket, or of an existing SSE-KMS bucket); remove it with backup_s3_endpoint or backup_target = \"pvc\".",
    },
    {
      condition: "var.backup_verify_schedule == null || var.replicas == 1",
      errorMessage:
        "backup_verify_schedule verifies single-node backups only: in cluster mode each peer's snapshot holds only that peer's shards, so one scratch collection cannot be compared with the manifest.",
    },
    {
      condition: "var.backup_enabled || (var.backup_restore_timestamp == null && var.backup_verify_schedule == null)",
      errorMessage: "backup_restore_timestamp and backup_verify_schedule need backup_enabled = true (they read the backups).",
    },
    {
      condition: "!var.restrict_egress || var.enable_network_policy",
      errorMessage: "restrict_egress needs enable_network_policy = true (egress rules are NetworkPolicies).",
    },
    {
      condition: "!var.enable_network_policy || length(var.network_policy_clients) > 0",
      errorMessage:
        "network_policy_clients is empty while enable_network_policy is true, so no client could reach Qdrant; list the clients (pod_selector, namespace_selector or cidr), or set enable_network_policy = false.",
    },
    {
      condition: "length(distinct([for c in var.collections_config : c.name])) == length(var.collections_config)",
      errorMessage: "collections_config has a duplicate name; collection names must be unique.",
    },
    {
      condition: forEachCollection("length(distinct([for p in c.payload_indexes : p.field_name])) == length(c.payload_indexes)"),
      errorMessage: "collections_config[*].payload_indexes indexes a field_name twice in one collection; list each field once.",
    },
    {
      condition: forEachCollection("c.replication_factor == null ? true : c.replication_factor <= var.replicas"),
      errorMessage: "collections_config[*].replication_factor exceeds replicas; Qdrant cannot place more copies of a shard than there are peers.",
    },
    {
      condition: forEachCollection("c.write_consistency_factor == null ? true : c.write_consistency_factor <= coalesce(c.replication_factor, min(2, var.replicas))"),
      errorMessage:
        "collections_config[*].write_consistency_factor exceeds replication_factor (default min(2, replicas)); a write cannot wait for more replicas than exist.",
    },
  ];
}

const HEADER = "# Generated from lib/config/schema.ts by lib/module/variables.ts (renderVariablesTf); do not edit.";
const indent = (text: string) => text.replace(/^(?=.)/gm, "  ");

/** variables.tf: one variable block per variable, as `terraform fmt` writes it. */
export function renderVariablesTf(vars: ModuleVariable[] = moduleVariables()): string {
  const blocks = vars.map((v) => {
    const attributes: [string, string][] = [
      ["description", hclString(v.description)],
      ["type", v.type],
    ];
    if (v.default !== undefined) attributes.push(["default", hclValue(v.default)]);
    if (v.nullable !== undefined) attributes.push(["nullable", String(v.nullable)]);
    if (v.sensitive !== undefined) attributes.push(["sensitive", String(v.sensitive)]);
    const validations = v.validations.map((x) =>
      ["validation {", ...hclAttributes([["condition", x.condition], ["error_message", hclString(x.errorMessage)]]).map(indent), "}"].join("\n"),
    );
    return [`variable "${v.name}" {`, indent([hclAttributes(attributes).join("\n"), ...validations].join("\n\n")), "}"].join("\n");
  });
  return `${HEADER}\n\n${blocks.join("\n\n")}\n`;
}

/** The module README's inputs table. */
export function moduleInputsTable(vars: ModuleVariable[] = moduleVariables()): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = vars.map((v) => {
    const type = v.type.replace(/object\(\{[\s\S]*\}\)/, "object");
    const literal = v.default === undefined ? undefined : hclValue(v.default, true);
    const byDefault = literal === undefined ? "required" : literal.length > 60 ? "see variables.tf" : `\`${cell(literal)}\``;
    return `| \`${v.name}\` | \`${type}\` | ${byDefault} | ${cell(v.description)} |`;
  });
  return ["| Variable | Type | Default | Description |", "|---|---|---|---|", ...rows].join("\n");
}
