/**
 * The published Terraform module's variables (variables.tf), derived from the input schema: snake_case names
 * (those of the qdrant-deployment module this project keeps), HCL types with optional() defaults, the schema's
 * defaults and descriptions, and validation blocks for the checks zod makes (module-variable-types.ts has their
 * HCL forms). The cross-field rules' HCL conditions (moduleRules) come from the catalogue in lib/config/rules.
 * No cdktf here.
 */
import { z } from "zod";
import { hclAttributes, hclString, hclType, hclValue, checksOf, JsonSchema, toTerraformValue } from "./variable-types";
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
  "rolloutWhileUnready",
  "allowScaleDown",
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

/**
 * The cross-field rules the module runs, as conditions over `var.*` for lifecycle preconditions of the StatefulSet:
 * derived from the catalogue (lib/config/rules), where each stands beside its TypeScript check.
 */
export { moduleRules } from "../config/rules";

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
