/**
 * What a cross-field rule is, and how each face runs it. A rule is written once (one id, one message) with two
 * checks side by side: `stacks`, a TypeScript test of the validated inputs (props and config files), and `module`,
 * the same test as an HCL expression over the Terraform module's variables (a lifecycle precondition of the
 * StatefulSet). Both say when the inputs are WRONG. A rule only one face can run says which face and why.
 *
 * The message is written once in camelCase, with input names in backticks: `backupEnabled` is a name,
 * `backupTarget: pvc` a setting. The stacks print them as written; the module prints `backup_enabled` and
 * `backup_target = "pvc"`. `{name}` is a value from the inputs (`values`): each face computes its own.
 * A problem is reported at `field`; `[]` marks each item of a list (`collectionsConfig[].name`): the stacks report
 * every item that breaks the rule, the module names the first. No cdktf here.
 */
import { snakeCase, type QdrantInputs } from "../schema";

export interface Problem {
  path: readonly PropertyKey[];
  value?: unknown;
  message: string;
  /** The catalogue id of the cross-field rule that found it (absent for single-field checks). */
  rule?: string;
}

export type Parsed = Partial<QdrantInputs>;
/** Fields the caller set explicitly (before defaults), to tell a default from a choice. */
export type Raw = Record<string, unknown>;

/**
 * For a rule on list items: the item at each `[]` of the field (outermost first) and its index. In HCL the items
 * are `c` and `x`, their indexes `i` and `j`.
 */
export interface Item {
  readonly items: readonly unknown[];
  readonly indexes: readonly number[];
}

/** A face that does not run the rule, and why. */
export interface OneFace {
  readonly only: "stacks" | "module";
  readonly why: string;
}

export interface CrossFieldRule {
  /** `<area>.<what>`, stable: tests, docs and reviews name rules by it. */
  readonly id: string;
  /** Where the problem is reported (camelCase path; `[]`: each item of a list). */
  readonly field: string;
  /** What is wrong and the fix, after the field's name (see the file comment for backticks and `{values}`). */
  readonly message: string;
  /** The values `{name}` in the message stands for: computed by each face. */
  readonly values?: Readonly<Record<string, { stacks: (p: Parsed, item: Item) => unknown; module: string }>>;
  /** TypeScript: true when the inputs break the rule. */
  readonly stacks: ((p: Parsed, item: Item, raw: Raw) => boolean) | OneFace;
  /** HCL over `var.*` (and `c`/`x`, `i`/`j` for items): true when the inputs break the rule. */
  readonly module: string | OneFace;
  /** What the module cannot tell (so it lets through what the stacks reject), when that is unavoidable. */
  readonly moduleGap?: string;
  /** The field holds a secret: the stacks print "(hidden)" for its value. */
  readonly secret?: boolean;
}

export const runsInStacks = (rule: CrossFieldRule): rule is CrossFieldRule & { stacks: (p: Parsed, item: Item, raw: Raw) => boolean } =>
  typeof rule.stacks === "function";
export const runsInModule = (rule: CrossFieldRule): rule is CrossFieldRule & { module: string } => typeof rule.module === "string";

// ---------------------------------------------------------------------------------------------------------------
// The message in each face's names.

const MARKUP = /`([^`]+)`/g;

/** `name` or `name: value` in the module's words: snake_case, `=`, strings quoted. */
function moduleMarkup(text: string): string {
  const [name, value] = text.split(/: (.*)/s);
  const variable = snakeCase(name);
  if (value === undefined) return variable;
  return `${variable} = ${/^(true|false|null|-?\d+(\.\d+)?)$/.test(value) ? value : JSON.stringify(value)}`;
}

/** The message in one face's names (`{values}` still to fill). */
export function wordsIn(face: "stacks" | "module", message: string): string {
  return message.replace(MARKUP, (_m, markup: string) => (face === "stacks" ? markup : moduleMarkup(markup)));
}

/** `{name}` replaced by each value, as text. */
export function fill(text: string, value: (name: string) => string): string {
  return text.replace(/\{(\w+)\}/g, (_m, name: string) => value(name));
}

// ---------------------------------------------------------------------------------------------------------------
// The stacks' face: problems with a path and the value found there.

/** The list keys along a field: `collectionsConfig[].payloadIndexes[].fieldName` → collectionsConfig, payloadIndexes. */
function fieldParts(field: string): { lists: string[]; rest: string[] } {
  const segments = field.split("[]");
  return { lists: segments.slice(0, -1).map((s) => s.replace(/^\./, "")), rest: (segments[segments.length - 1] ?? "").split(".").filter(Boolean) };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

/** Every item along the field's lists (a single empty item when the field names no list). */
function itemsOf(p: Parsed, lists: string[]): { item: Item; path: PropertyKey[] }[] {
  let found: { item: Item; path: PropertyKey[]; node: unknown }[] = [{ item: { items: [], indexes: [] }, path: [], node: p }];
  for (const list of lists) {
    found = found.flatMap(({ item, path, node }) => {
      const keys = list.split(".");
      const values = valueAt(node, keys);
      if (!Array.isArray(values)) return [];
      return values.map((value, index) => ({
        item: { items: [...item.items, value], indexes: [...item.indexes, index] },
        path: [...path, ...keys, index],
        node: value,
      }));
    });
  }
  return found.map(({ item, path }) => ({ item, path }));
}

/** The rule's problems in the stacks' face (none when the stacks do not run it). */
export function stacksProblems(rule: CrossFieldRule, p: Parsed, raw: Raw): Problem[] {
  if (!runsInStacks(rule)) return [];
  const { lists, rest } = fieldParts(rule.field);
  return itemsOf(p, lists).flatMap(({ item, path }) => {
    if (!rule.stacks(p, item, raw)) return [];
    const at = [...path, ...rest];
    const values = Object.fromEntries(Object.entries(rule.values ?? {}).map(([name, v]) => [name, v.stacks(p, item)]));
    const value = rule.secret ? "(hidden)" : valueAt(p, at);
    return [{ path: at, ...(value === undefined ? {} : { value }), message: fill(wordsIn("stacks", rule.message), (name) => String(values[name])), rule: rule.id }];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The module's face: a precondition (condition and error message, both HCL templates).

const ITEM_NAMES = [
  ["c", "i"],
  ["x", "j"],
] as const;

/**
 * `[for i, c in var.list : ...]` loops along the field's lists around `body`: a condition per item (`collect`
 * false), or `body` for each item that breaks the rule (`collect` true).
 */
function loops(rule: CrossFieldRule & { module: string }, body: string, collect: boolean): string {
  const { lists } = fieldParts(rule.field);
  if (lists.length > ITEM_NAMES.length) throw new Error(`${rule.id}: at most ${ITEM_NAMES.length} list levels`);
  let text = collect ? `${body} if ${rule.module}` : `!(${rule.module})`;
  for (let level = lists.length - 1; level >= 0; level--) {
    const [item, index] = ITEM_NAMES[level];
    const source = level === 0 ? `var.${snakeCase(lists[0])}` : `${ITEM_NAMES[level - 1][0]}.${lists[level].split(".").map(snakeCase).join(".")}`;
    text = `[for ${index}, ${item} in ${source} : ${text}]`;
  }
  return lists.length > 1 ? `flatten(${text})` : text;
}

/** The precondition's condition: true when no item breaks the rule. */
export function moduleCondition(rule: CrossFieldRule & { module: string }): string {
  return fieldParts(rule.field).lists.length === 0 ? `!(${rule.module})` : `alltrue(${loops(rule, "", false)})`;
}

/** An HCL template: literal text (with `${` and `%{` escaped) and `${expression}` for each value. */
export function moduleMessage(rule: CrossFieldRule & { module: string }): string {
  const { lists, rest } = fieldParts(rule.field);
  const escape = (text: string) => text.replace(/([$%])\{/g, "$1$1{");
  // Terraform evaluates the message even when the condition holds: a value that is null or cannot be computed
  // then (no item breaks the rule, resource_name unset) shows as "?" instead of failing the plan.
  /** A value as text: an expression over the inputs, or over the first item that breaks the rule. */
  const first = (expression: string) => `\${try(coalesce(tostring(${lists.length === 0 ? expression : `${loops(rule, expression, true)}[0]`})), "?")}`;
  const path = [...lists.map((list, level) => `${list.split(".").map(snakeCase).join(".")}[${first(ITEM_NAMES[level][1])}]`), ...rest.map(snakeCase)].join(".");
  const parts = wordsIn("module", rule.message).split(/(\{\w+\})/);
  const message = parts
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return escape(part);
      const value = rule.values?.[name];
      if (!value) throw new Error(`${rule.id}: the message shows {${name}}, which values does not define`);
      return first(value.module);
    })
    .join("");
  return `${path} ${message}.`;
}
