/**
 * The HCL side of the published module's variables (module-variables.ts): Terraform types, values and
 * validation conditions, derived from the input schema as z.toJSONSchema describes it. No cdktf here.
 */
import { snakeCase } from "../config/schema";
import type { TerraformCheck } from "../config/field-types";

export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  terraformChecks?: TerraformCheck[];
}

// ---------------------------------------------------------------------------------------------------------------
// HCL text, laid out as `terraform fmt` leaves it.

const ONE_LINE = 80;

/** A quoted HCL string: JSON escapes, plus `${` and `%{` doubled so Terraform reads them literally. */
export function hclString(text: string): string {
  return JSON.stringify(text).replace(/([$%])\{/g, "$1$1{");
}

const indent = (text: string) => text.replace(/^(?=.)/gm, "  ");

/** `key = value` lines: consecutive one-line values align their `=` (a multi-line value ends the run). */
export function hclAttributes(entries: [string, string][]): string[] {
  const lines: string[] = [];
  let run: [string, string][] = [];
  const flush = () => {
    const width = Math.max(...run.map(([key]) => key.length));
    lines.push(...run.map(([key, value]) => `${key.padEnd(width)} = ${value}`));
    run = [];
  };
  for (const entry of entries) {
    if (entry[1].includes("\n")) {
      if (run.length > 0) flush();
      lines.push(`${entry[0]} = ${entry[1]}`);
    } else {
      run.push(entry);
    }
  }
  if (run.length > 0) flush();
  return lines;
}

/** `{ a = 1, b = 2 }` on one line when it fits and nests nothing multi-line, else one attribute per line. */
function hclObject(entries: [string, string][], open = "{", close = "}"): string {
  if (entries.length === 0) return `${open}${close}`;
  const line = `${open} ${entries.map(([k, v]) => `${k} = ${v}`).join(", ")} ${close}`;
  if (line.length <= ONE_LINE && !line.includes("\n")) return line;
  return [open, ...hclAttributes(entries).map(indent), close].join("\n");
}

const KEYWORDS = new Set(["true", "false", "null", "for", "in", "if"]);
const hclKey = (key: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) && !KEYWORDS.has(key) ? key : hclString(key));

/** A JSON value as an HCL literal; `oneLine` forces a single line (for use inside expressions). */
export function hclValue(value: unknown, oneLine = false): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return hclString(value);
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString(); // 2 ** 60 exactly, not 1152921504606847000
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => hclValue(item, oneLine));
    const line = `[${items.join(", ")}]`;
    if (oneLine || (line.length <= ONE_LINE && !line.includes("\n"))) return line;
    return ["[", ...items.map((item) => indent(`${item},`)), "]"].join("\n");
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]): [string, string] => [hclKey(k), hclValue(v, oneLine)]);
  return oneLine ? `{ ${entries.map(([k, v]) => `${k} = ${v}`).join(", ")} }` : hclObject(entries);
}

// ---------------------------------------------------------------------------------------------------------------
// Types and values: camelCase schema properties become snake_case object attributes (map keys stay as given).

const isObject = (s: JsonSchema) => s.type === "object" && s.properties !== undefined;
const isMap = (s: JsonSchema) => s.type === "object" && s.properties === undefined;
const mapValues = (s: JsonSchema): JsonSchema => (typeof s.additionalProperties === "object" ? s.additionalProperties : {});

const wrapType = (name: string, inner: string) => `${name}(${inner})`;

/** The HCL type constraint; optional attributes carry the schema's default (`optional(string, "Equal")`). */
export function hclType(s: JsonSchema): string {
  if (s.type === "string") return "string";
  if (s.type === "integer" || s.type === "number") return "number";
  if (s.type === "boolean") return "bool";
  if (s.type === "array" && s.items) return wrapType("list", hclType(s.items));
  if (isMap(s)) return wrapType("map", hclType(mapValues(s)));
  if (isObject(s)) {
    const attributes = Object.entries(s.properties ?? {}).map(([key, p]): [string, string] => {
      const type = hclType(p);
      if ((s.required ?? []).includes(key)) return [snakeCase(key), type];
      if (p.default === undefined) return [snakeCase(key), wrapType("optional", type)];
      return [snakeCase(key), `optional(${type}, ${hclValue(minimalDefault(p, toTerraformValue(p, p.default)))})`];
    });
    return wrapType("object", hclObject(attributes));
  }
  throw new Error(`no Terraform type for JSON schema ${JSON.stringify(s)}`);
}

/** A value in the module's shape: object attributes in snake_case (guided by the schema, so map keys are kept). */
export function toTerraformValue(s: JsonSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (s.type === "array" && Array.isArray(value)) return value.map((item) => toTerraformValue(s.items ?? {}, item));
  if (s.type !== "object" || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => {
      if (isMap(s)) return [key, toTerraformValue(mapValues(s), v)];
      const property = s.properties?.[key];
      if (!property) throw new Error(`"${key}" is not a property of ${Object.keys(s.properties ?? {}).join(", ")}`);
      return [snakeCase(key), toTerraformValue(property, v)];
    }),
  );
}

/** An object default without the attributes Terraform fills from the nested optional() defaults anyway. */
function minimalDefault(s: JsonSchema, value: unknown): unknown {
  if (!isObject(s) || value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const kept = Object.entries(s.properties ?? {}).flatMap(([key, p]) => {
    const v = (value as Record<string, unknown>)[snakeCase(key)];
    if (v === undefined) return [];
    const minimal = minimalDefault(p, v);
    const implied = p.default === undefined ? undefined : minimalDefault(p, toTerraformValue(p, p.default));
    return JSON.stringify(minimal) === JSON.stringify(implied) ? [] : [[snakeCase(key), minimal]];
  });
  return Object.fromEntries(kept);
}

// ---------------------------------------------------------------------------------------------------------------
// Checks: the HCL form of each kind of check the schema makes. `x` is an expression of the checked value,
// never null here and of the right type; each condition is true for exactly the values zod accepts.

/**
 * A JavaScript regex source (no flags) as RE2, Terraform's regex: anchors, classes, groups, \d and counted
 * repetition read the same; lookaround, backreferences and \u / \c / \p escapes are refused.
 */
export function re2(pattern: string): string {
  if (/\(\?<?[=!]|\\[1-9kpPuc]/.test(pattern)) throw new Error(`/${pattern}/ uses a construct RE2 lacks or reads differently`);
  return pattern;
}

const matches = (pattern: string, x: string) => `can(regex(${hclString(re2(pattern))}, ${x}))`;

const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS1123_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const QUANTITY = "^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$";
const LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const CIDR = "^([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})/([0-9]{1,2})$";

// Cron (cron.ts): five fields, each `*`, a value or a range a-b, optionally /step, comma-separated; or a macro.
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const CRON_FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31, any: true },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS, any: true },
];
const CRON_MACROS = ["yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly"];

/** A regex for the whole numbers min..max (max <= 99), leading zeros allowed: 0..23 → 0*([0-9]|1[0-9]|2[0-3]). */
function numberRange(min: number, max: number): string {
  const decades: { tens: number; lo: number; hi: number }[] = [];
  for (let tens = Math.floor(min / 10); tens <= Math.floor(max / 10); tens++) {
    decades.push({ tens, lo: Math.max(min, tens * 10) % 10, hi: Math.min(max, tens * 10 + 9) % 10 });
  }
  const full = decades.filter((d) => d.tens > 0 && d.lo === 0 && d.hi === 9).map((d) => d.tens);
  const parts = decades.filter((d) => !full.includes(d.tens)).map((d) => `${d.tens || ""}${d.lo === d.hi ? d.lo : `[${d.lo}-${d.hi}]`}`);
  if (full.length > 0) parts.push(`${full.length === 1 ? full[0] : `[${full.join("")}]`}[0-9]`);
  return `0*(${parts.join("|")})`;
}

/** One comma-separated part of a field: `*`, a value or a range a-b, optionally /step. */
function cronPartPattern(field: (typeof CRON_FIELDS)[number]): string {
  const value = `(${numberRange(field.min, field.max)}${field.names ? `|(?i:${field.names.join("|")})` : ""})`;
  return `^(\\*|${value}(-${value})?)(/[1-9][0-9]*)?$`;
}

/** Syntax per field, then every range a-b forwards (names read through a JAN → "1" map). */
function cron(x: string): string {
  const parts = `[${CRON_FIELDS.map((f) => hclString(cronPartPattern(f))).join(", ")}]`;
  const any = `[${CRON_FIELDS.flatMap((f, i) => (f.any ? [i] : [])).join(", ")}]`;
  const names = hclValue(Object.fromEntries([...MONTHS.map((m, i) => [m, `${i + 1}`]), ...DAYS.map((d, i) => [d, `${i}`])]), true);
  const bound = (b: string) => `tonumber(lookup(n, upper(${b}), ${b}))`;
  return [
    `${matches(`^@(${CRON_MACROS.join("|")})$`, `trimspace(${x})`)} || try([for fields in [regexall(${hclString("\\S+")}, ${x})] : length(fields) == 5`,
    ` && alltrue([for i, f in fields : (f == "?" && contains(${any}, i)) || alltrue([for p in split(",", f) : can(regex(${parts}[i], p))])])`,
    ` && alltrue([for n in [${names}] : alltrue([for r in regexall(${hclString("([0-9A-Za-z]+)-([0-9A-Za-z]+)")}, ${x}) : ${bound("r[0]")} <= ${bound("r[1]")}])])`,
    `][0], false)`,
  ].join("");
}
export const CRON_RULE =
  "five fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT; each *, a value or a range a-b, with an optional /step, or a comma-separated list of them; or @yearly, @monthly, @weekly, @daily or @hourly";

const number = (x: string, s: JsonSchema) =>
  [s.minimum !== undefined ? `${x} >= ${s.minimum}` : "", s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `${x} <= ${s.maximum}` : ""].filter(Boolean);
const rangeText = (s: JsonSchema) => {
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  return max === undefined ? `>= ${s.minimum}` : s.minimum === undefined ? `<= ${max}` : `from ${s.minimum} to ${max}`;
};

interface CheckForm {
  /** The HCL condition on `x`. */
  condition: (x: string, s: JsonSchema) => string;
  /** The message when the schema gives none (checks the JSON schema shows: enum, pattern, ranges, lengths). */
  error?: (s: JsonSchema) => string;
  /** Spelled out after the message, where zod's message names the one problem found. */
  detail?: string;
  /** The condition is false, never an error, for a null value (it is a can() or try()). */
  neverFails?: boolean;
}

export const CHECK_FORMS: Record<string, CheckForm> = {
  enum: {
    condition: (x, s) => `contains(${hclValue(s.enum)}, ${x})`,
    error: (s) => `must be one of ${(s.enum ?? []).map((v) => JSON.stringify(v)).join(", ")}`,
  },
  pattern: { condition: (x, s) => matches(s.pattern ?? "", x), neverFails: true },
  whole: { condition: (x, s) => [`${x} == floor(${x})`, ...number(x, s)].join(" && "), error: (s) => `must be a whole number ${rangeText(s)}` },
  range: { condition: (x, s) => number(x, s).join(" && "), error: (s) => `must be a number ${rangeText(s)}` },
  minLength: { condition: (x, s) => `length(${x}) >= ${s.minLength}`, error: (s) => (s.minLength === 1 ? "must not be empty" : `must be at least ${s.minLength} characters`) },
  dnsLabel: { condition: (x) => `length(${x}) <= 63 && ${matches(DNS1123_LABEL, x)}` },
  serviceName: { condition: (x) => `length(${x}) <= 63 && ${matches("^[a-z]([-a-z0-9]*[a-z0-9])?$", x)}` },
  dns1123Subdomain: { condition: (x) => `length(${x}) <= 253 && ${matches(DNS1123_SUBDOMAIN, x)}` },
  quantity: { condition: (x) => matches(QUANTITY, x), neverFails: true },
  notNegativeQuantity: { condition: (x) => `!startswith(${x}, "-")` },
  // Zero: no digit but 0 before the suffix (a malformed quantity is the check above's to report).
  positiveQuantity: { condition: (x) => `!${matches("^[+-]?[0.]+(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$", x)}`, neverFails: true },
  ipv4Cidr: { condition: (x) => `try(alltrue([for i, n in regex(${hclString(CIDR)}, ${x}) : tonumber(n) <= (i < 4 ? 255 : 32)]), false)`, neverFails: true },
  labelKey: { condition: (x) => `length(split("/", ${x})[0]) <= 253 && ${matches(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?${LABEL_NAME}$`, x)}` },
  labelValue: { condition: (x) => `${x} == "" || ${matches(`^${LABEL_NAME}$`, x)}` },
  notLatest: { condition: (x) => `!endswith(${x}, ":latest")` },
  exactlyOne: { condition: (x) => `length([for k, v in ${x} : k if v != null]) == 1` },
  // zod accepts any URL; an S3 endpoint is http(s) with a host, which is what this checks.
  httpUrl: { condition: (x) => matches("^https?://[^\\s/?#]+(/[^\\s]*)?$", x), neverFails: true },
  clientTarget: { condition: (x) => `${x}.cidr != null || ${x}.pod_selector != null || ${x}.namespace_selector != null` },
  cidrAlone: { condition: (x) => `${x}.cidr == null || (${x}.pod_selector == null && ${x}.namespace_selector == null)` },
  cron: { condition: cron, detail: CRON_RULE, neverFails: true },
};

/** The checks one schema node makes: those its JSON shows (enum, pattern, integer, bounds, length) and its terraformChecks. */
export function checksOf(s: JsonSchema): { form: CheckForm; s: JsonSchema; error: string }[] {
  const shown = [
    s.enum ? "enum" : "",
    s.pattern !== undefined ? "pattern" : "",
    s.type === "integer" ? "whole" : s.type === "number" && (s.minimum !== undefined || s.maximum !== undefined) ? "range" : "",
    s.minLength !== undefined ? "minLength" : "",
  ].filter(Boolean);
  const annotated = new Map((s.terraformChecks ?? []).map((c) => [c.check, c.error]));
  for (const check of annotated.keys()) {
    if (!CHECK_FORMS[check]) throw new Error(`no HCL form for the check "${check}"`);
    if (["pattern", "whole", "range", "minLength"].includes(check) && !shown.includes(check)) throw new Error(`"${check}" is annotated but not in the JSON schema`);
  }
  return [...new Set([...shown, ...annotated.keys()])].map((check) => {
    const form = CHECK_FORMS[check];
    const error = annotated.get(check) ?? form.error?.(s);
    if (error === undefined) throw new Error(`the ${check} check of ${JSON.stringify(s)} needs an error message (terraformChecks)`);
    return { form, s, error };
  });
}

/**
 * The value of a Kubernetes quantity ("250m" → 0.25, "1Gi" → 1073741824), as kubernetes-formats.ts's parseQuantity.
 * Decimal fractions are divided, not multiplied, so "1000m" is exactly 1 and compares equal to "1".
 */
export function hclQuantity(x: string): string {
  const pattern = "^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|(n|u|m)|[eE]([+-]?[0-9]+))?$";
  const times = hclValue({ Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }, true);
  const per = hclValue({ n: 1e9, u: 1e6, m: 1e3 }, true);
  const exponent = "(q[3] == null ? 0 : tonumber(q[3]))";
  return [
    `[for q in [regex(${hclString(pattern)}, ${x})] : tonumber(q[0])`,
    ` * (q[1] == null ? 1 : ${times}[q[1]])`,
    ` / (q[2] == null ? 1 : ${per}[q[2]])`,
    ` * pow(10, max(0, ${exponent})) / pow(10, max(0, -${exponent}))][0]`,
  ].join("");
}
