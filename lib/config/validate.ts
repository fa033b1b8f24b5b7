/**
 * Turns raw input (props or a parsed config file) into validated inputs, or throws one
 * QdrantConfigError listing every problem: source file, field path, bad value, what is allowed.
 */
import { z } from "zod";
import { CROSS_FIELD_RULES, Problem } from "./rules";
import { applySizingDefaults } from "../sizing/sizing-defaults";
import { qdrantInputSchema, QdrantInputs } from "./schema";

export class QdrantConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Qdrant configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "QdrantConfigError";
  }
}

export type Rule<T> = (parsed: Partial<T>, raw: Record<string, unknown>) => Problem[];

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), "");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[], raw: unknown): string[] {
  // Walk the schema along the path (through defaults, optionals, arrays) to the object with the unknown key.
  let node: z.ZodType = schema;
  const steps = [...path];
  for (;;) {
    const def = (node as unknown as { def: Record<string, unknown> & { type: string } }).def;
    if (def.type === "default" || def.type === "prefault" || def.type === "optional" || def.type === "nullable") {
      node = def.innerType as z.ZodType;
    } else if (def.type === "pipe") {
      node = def.in as z.ZodType;
    } else if (def.type === "array" && typeof steps[0] === "number") {
      steps.shift();
      node = def.element as z.ZodType;
    } else if (def.type === "object" && steps.length > 0) {
      node = (def.shape as Record<string, z.ZodType>)[String(steps.shift())];
      if (!node) return [];
    } else if (def.type === "object") {
      return Object.keys(def.shape as object);
    } else {
      return Object.keys((valueAt(raw, path) as object) ?? {});
    }
  }
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const best = allowed.map((k) => ({ k, d: editDistance(key, k) })).sort((a, b) => a.d - b.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${best.k}"? ` : "";
  const list = allowed.length <= 12 ? `allowed keys: ${allowed.join(", ")}` : "see the inputs table in README.md for the allowed keys";
  return `is not a known key (a typo is never ignored); ${hint}${list}`;
}

function issueProblems(schema: z.ZodType, issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeys(schema, issue.path, raw);
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: unknownKeyMessage(key, allowed) }));
  }
  if (issue.code === "invalid_key") {
    const key = issue.path[issue.path.length - 1];
    return [{ path: issue.path, value: key, message: issue.issues[0]?.message ?? "is not a valid key" }];
  }
  const value = valueAt(raw, issue.path);
  if (issue.code === "invalid_type" && value === undefined) return [{ path: issue.path, message: "is required" }];
  if (issue.code === "invalid_value") {
    return [{ path: issue.path, value, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
  }
  if (issue.code === "invalid_type" && !issue.message.startsWith("must")) {
    return [{ path: issue.path, value, message: `must be ${issue.expected === "object" ? "a mapping" : `a ${issue.expected}`}` }];
  }
  return [{ path: issue.path, value, message: issue.message }];
}

export function formatProblem(problem: Problem, source?: string): string {
  const where = `${source ? `${source}: ` : ""}${formatPath(problem.path) || "(top level)"}`;
  const got = "value" in problem ? ` (got ${show(problem.value)})` : "";
  return `${where}: ${problem.message}${got}`;
}

/** Every problem with `raw` against an object schema and its cross-field rules (empty when valid). */
export function collectProblems<S extends z.ZodObject>(schema: S, rules: Rule<z.output<S>>[], raw: unknown): { problems: Problem[]; data?: z.output<S> } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { problems: [{ path: [], value: raw, message: "must be a mapping of input names to values" }] };
  }
  const record = raw as Record<string, unknown>;
  const result = schema.safeParse(raw);
  const problems: Problem[] = result.success ? [] : result.error.issues.flatMap((issue) => issueProblems(schema, issue, raw));
  // Cross-field rules see every field that parsed on its own, so one run reports everything. When the whole
  // object parsed, that is its output (each field parses on its own); otherwise each field is parsed again.
  let partial: Record<string, unknown>;
  if (result.success) {
    partial = result.data as Record<string, unknown>;
  } else {
    partial = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const parsed = field.safeParse(record[key]);
      if (parsed.success) partial[key] = parsed.data;
    }
  }
  for (const rule of rules) problems.push(...rule(partial as Partial<z.output<S>>, record));
  return { problems, data: result.success ? result.data : undefined };
}

export function parseOrThrow<S extends z.ZodObject>(schema: S, rules: Rule<z.output<S>>[], raw: unknown, source?: string): z.output<S> {
  const { problems, data } = collectProblems(schema, rules, raw);
  if (problems.length > 0 || data === undefined) throw new QdrantConfigError(problems.map((p) => formatProblem(p, source)));
  return data;
}

/** Validates QdrantDeployment props and applies defaults. */
export function resolveInputs(raw: unknown, source?: string): QdrantInputs {
  const inputs = parseOrThrow(qdrantInputSchema, CROSS_FIELD_RULES, raw, source);
  return applySizingDefaults(inputs, raw as Record<string, unknown>);
}
