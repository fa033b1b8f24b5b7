/**
 * Stand-ins: a synthesized stack or module (Terraform JSON) rewritten so that Terraform can evaluate every
 * resource and data source body without their providers. Each `resource "<type>" "<name>"` and `data "<type>"
 * "<name>"` becomes a `terraform_data` (Terraform's built-in resource) whose `input` is the body, with the same
 * `count` and preconditions; its `dynamic` blocks are expanded as Terraform expands them (a `for` expression per
 * dynamic block, concatenated with the static blocks of the same type in the order of the JSON's keys, which is the
 * order Terraform reads them in); references to other resources read the stand-in's input where the body sets the
 * attribute, and are a placeholder naming the attribute where the provider would compute it (ids, ARNs, generated
 * passwords, data sources' results). `terraform apply` then yields every body as Terraform would send it to the
 * provider, and the stack's outputs: see standInConfig.
 */
import type { Json } from "./synth";

/** Meta-arguments: not part of a body (count becomes the stand-in's count; the others are compared as they are). */
const META = new Set(["//", "count", "depends_on", "lifecycle", "provider", "for_each", "provisioner", "connection"]);

/** The stand-in's name for a resource (`type.name`) or data source (`data.type.name`). */
export const standInName = (address: string): string => address.replace(/\./g, "__");

/** Every resource and data source of a configuration: address, type, body. */
export function blocksOf(json: Json): { address: string; body: Json }[] {
  const out: { address: string; body: Json }[] = [];
  for (const [type, byName] of Object.entries((json.resource ?? {}) as Json)) for (const [name, body] of Object.entries(byName as Json)) out.push({ address: `${type}.${name}`, body });
  for (const [type, byName] of Object.entries((json.data ?? {}) as Json)) for (const [name, body] of Object.entries(byName as Json)) out.push({ address: `data.${type}.${name}`, body });
  return out;
}

// ---- templates: Terraform's `${...}` and `%{...}` sequences inside JSON strings

/** Index of the `}` closing an interpolation whose source starts at `i`. */
function endOfExpression(s: string, i: number): number {
  let depth = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      i = endOfQuoted(s, i + 1);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
    i++;
  }
  throw new Error(`unterminated interpolation: ${s}`);
}

/** Index after the `"` closing a quoted template whose text starts at `i`. */
function endOfQuoted(s: string, i: number): number {
  while (i < s.length) {
    if (s[i] === "\\") i += 2;
    else if (s[i] === '"') return i + 1;
    else if (s.startsWith("$${", i) || s.startsWith("%%{", i)) i += 3;
    else if (s.startsWith("${", i) || s.startsWith("%{", i)) i = endOfExpression(s, i + 2) + 1;
    else i++;
  }
  throw new Error(`unterminated string: ${s}`);
}

/** A template with its literal text and the source of each of its interpolations and directives mapped. */
export function mapTemplate(s: string, literal: (text: string) => string, expression: (source: string) => string): string {
  let out = "";
  let text = "";
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
      text += s.slice(i, i + 3);
      i += 3;
    } else if (s.startsWith("${", i) || s.startsWith("%{", i)) {
      const end = endOfExpression(s, i + 2);
      out += literal(text) + s.slice(i, i + 2) + expression(s.slice(i + 2, end)) + "}";
      text = "";
      i = end + 1;
    } else {
      text += s[i];
      i++;
    }
  }
  return out + literal(text);
}

/** A JSON value (strings are templates) as a Terraform native-syntax expression. */
export function hcl(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") {
    const escape = (text: string) => text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    return `"${mapTemplate(value, escape, (source) => source)}"`;
  }
  if (Array.isArray(value)) return `[${value.map(hcl).join(", ")}]`;
  return `{${Object.entries(value as Json)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)} = ${hcl(v)}`)
    .join(", ")}}`;
}

// ---- references

/**
 * The stand-in of a computed attribute (`.arn`, `.result`, `[0].identity[0].oidc[0].issuer`), as an expression:
 * undefined for the default, the string `<address><attribute>`. For values an expression takes apart (a JSON
 * document it decodes).
 */
export type ComputedValue = (address: string, attribute: string) => string | undefined;

type Step = { attribute: string } | { index: number };

function stepsOf(traversal: string): Step[] {
  const steps: Step[] = [];
  for (const m of traversal.matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/g)) {
    steps.push(m[2] !== undefined ? { index: Number(m[2]) } : { attribute: m[1] ?? m[3] });
  }
  return steps;
}

const REFERENCE = /(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)((?:\[\d+\]|\.[A-Za-z_][\w-]*|\["[^"]*"\])*)/g;

/**
 * Rewrites references to resources and data sources in an expression's source: to the stand-in's input where the
 * body sets the attribute (single blocks that cdktf renders as an object are indexed `[0]` by Terraform: the index
 * is dropped), else to a placeholder `<address>.<attribute path>` (a computed attribute) that, like the real
 * reference, fails when the instance does not exist (so `try()` falls back as it would).
 */
function rewriteReferences(source: string, bodies: Map<string, { body: Json; counted: boolean }>, computed: ComputedValue): string {
  return source.replace(REFERENCE, (match: string, address: string, traversal: string) => {
    const target = bodies.get(address);
    if (!target) return match;
    const steps = stepsOf(traversal);
    let instance = "";
    if (target.counted) {
      const first = steps.shift();
      if (!first || !("index" in first)) throw new Error(`reference to counted ${address} without an index: ${source}`);
      instance = `[${first.index}]`;
    }
    const standIn = `local.${standInName(address)}${instance || "[0]"}`;
    let node: unknown = target.body;
    let path = "";
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (typeof node === "string") {
        // An attribute given as an expression (a map variable): Terraform indexes its value.
        path += steps
          .slice(i)
          .map((s) => ("index" in s ? `[${s.index}]` : `[${JSON.stringify(s.attribute)}]`))
          .join("");
        return `${standIn}${path}`;
      }
      if ("index" in step) {
        if (Array.isArray(node)) {
          node = node[step.index];
          path += `[${step.index}]`;
        } else if (!(node && typeof node === "object")) {
          node = undefined;
        }
        // An object is a single block: Terraform's [0] of it is the object itself.
      } else if (node && typeof node === "object" && !Array.isArray(node) && step.attribute in node && !META.has(step.attribute) && step.attribute !== "dynamic") {
        node = (node as Json)[step.attribute];
        path += `[${JSON.stringify(step.attribute)}]`;
      } else {
        node = undefined;
      }
      if (node === undefined) {
        const attribute = traversal.replace(/^\[\d+\]/, "");
        return `(${standIn} == null ? null : ${computed(address, attribute) ?? JSON.stringify(`<${address}${attribute}>`)})`;
      }
    }
    return `${standIn}${path}`;
  });
}

// ---- dynamic blocks

/**
 * A body with its references rewritten and its dynamic blocks expanded: each block type that has dynamic blocks
 * becomes one list expression (static blocks and each dynamic block's expansion, in the order of the keys).
 */
function expand(node: unknown, rewrite: (source: string) => string): unknown {
  if (typeof node === "string") return mapTemplate(node, (text) => text, rewrite);
  if (Array.isArray(node)) return node.map((item) => expand(item, rewrite));
  if (!node || typeof node !== "object") return node;
  const object = node as Json;
  const dynamicTypes = new Set(Object.keys((object.dynamic ?? {}) as Json));
  const out: Json = {};
  const pieces = new Map<string, string[]>();
  const add = (type: string, expression: string) => pieces.set(type, [...(pieces.get(type) ?? []), expression]);
  for (const [key, value] of Object.entries(object)) {
    if (key === "//") continue;
    if (key === "dynamic") {
      for (const [type, definitions] of Object.entries(value as Json)) {
        for (const definition of [definitions].flat() as Json[]) {
          const iterator = (definition.iterator as string | undefined) ?? type;
          const forEach = hcl(expand(definition.for_each, rewrite));
          const content = hcl(expand(definition.content, rewrite));
          // The iterator is an object with key and value, as in a dynamic block.
          add(type, `[for ${iterator} in [for k, v in ${forEach} : { key = k, value = v }] : ${content}]`);
        }
      }
    } else if (dynamicTypes.has(key)) {
      add(key, hcl([expand(value, rewrite)].flat()));
    } else {
      out[key] = expand(value, rewrite);
    }
  }
  for (const [type, expressions] of pieces) out[type] = `\${${expressions.length === 1 ? expressions[0] : `concat(${expressions.join(", ")})`}}`;
  return out;
}

/**
 * The configuration of stand-ins for a synthesized stack or module, for `terraform console` (test/helpers/terraform.ts
 * evaluateScenarios): its variables and locals, a local per resource and data source (the list of its instances'
 * bodies: `count` of them, or one), and three outputs: `bodies` (address to that list), `outputs` (the configuration's
 * outputs) and `problems` (the error message of every variable validation and every precondition of a resource with
 * instances that fails: what would stop `terraform plan`). Variables are not sensitive and have no validation blocks
 * (the console would hide the values, and stop at the first failing check); providers, backend and
 * required_providers are left out.
 */
export function standInConfig(json: Json, computed: ComputedValue = () => undefined): Json {
  const blocks = blocksOf(json);
  const bodies = new Map(blocks.map(({ address, body }) => [address, { body, counted: body.count !== undefined }]));
  const rewrite = (source: string) => rewriteReferences(source, bodies, computed);
  const locals: Json = json.locals ? (expand(json.locals, rewrite) as Json) : {};
  const checks: string[] = [];
  const check = (condition: unknown, message: unknown, unless?: string) =>
    // A message may read resources too (the upgrade guard names the running version): rewritten like the condition,
    // and evaluated only where it would be, when the check fails (hence the try: a placeholder may not take apart).
    checks.push(`{ ok = ${unless ? `${unless} || ` : ""}try(${hcl(expand(condition, rewrite))}, false), message = try(${hcl(expand(message, rewrite))}, ${hcl(String(message).replace(/([$%])\{/g, "$1$1{"))}) }`);
  for (const { address, body } of blocks) {
    const standIn = standInName(address);
    const input = hcl(expand(Object.fromEntries(Object.entries(body).filter(([key]) => !META.has(key))), rewrite));
    locals[standIn] = body.count === undefined ? `\${[${input}]}` : `\${[for i in range(${hcl(expand(body.count, rewrite))}) : ${input}]}`;
    for (const p of ((body.lifecycle as Json | undefined)?.precondition ?? []) as Json[]) check(p.condition, p.error_message, `length(local.${standIn}) == 0`);
  }
  const variables: Json = {};
  for (const [name, v] of Object.entries((json.variable ?? {}) as Json)) {
    const { validation, ...rest } = v as Json;
    for (const rule of (validation ?? []) as Json[]) check(rule.condition, rule.error_message);
    variables[name] = { ...rest, sensitive: false };
  }
  const outputs = Object.fromEntries(Object.entries((json.output ?? {}) as Json).map(([name, o]) => [name, expand((o as Json).value, rewrite)]));
  return {
    ...(Object.keys(variables).length > 0 ? { variable: variables } : {}),
    locals,
    output: {
      bodies: { value: Object.fromEntries(blocks.map(({ address }) => [address, `\${local.${standInName(address)}}`])) },
      outputs: { value: outputs },
      problems: { value: `\${[for check in [${checks.join(", ")}] : check.message if !check.ok]}` },
    },
  };
}
