/**
 * Decisions that are either known at synth (a stack's literal inputs) or made by Terraform at plan time (the
 * module stack's variables). Literal decisions render exactly as before: a part is built or not, a block is
 * there or not. Expression decisions become `count` on every resource of a part and `dynamic` blocks, so the
 * same construct code serves both.
 */
import { Fn, IResolvable, Op, TerraformDataSource, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { isUnresolvedToken } from "../config/tokens";

/** A yes/no decision: a literal, or a Terraform bool expression. */
export type Condition = boolean | IResolvable;

export const isDecided = (c: Condition): c is boolean => typeof c === "boolean";

/** A bool input as a Condition (a module variable's booleanValue is an IResolvable). */
export function conditionOf(value: boolean | unknown): Condition {
  if (typeof value === "boolean") return value;
  if (Tokenization.isResolvable(value)) return value;
  throw new Error(`conditionOf: expected a boolean or a Terraform expression, got ${JSON.stringify(value)}`);
}

export function and(...conditions: Condition[]): Condition {
  if (conditions.some((c) => c === false)) return false;
  const open = conditions.filter((c) => c !== true);
  if (open.length === 0) return true;
  return open.reduce((a, b) => Op.and(a, b));
}

export function not(c: Condition): Condition {
  return isDecided(c) ? !c : Op.not(c);
}

/** `yes` when the condition holds, else `no`; a Terraform conditional when undecided. */
export function choose<T>(c: Condition, yes: T, no: T): T {
  if (isDecided(c)) return c ? yes : no;
  return Fn.conditional(c, yes, no) as T;
}

/**
 * Note for expressions: cdktf's Op renders falsy literal operands (0, "") as `undefined`; compare with 1 and
 * lengths instead (`Op.gte(x, 1)`, not `Op.gt(x, 0)`).
 */

/** An optional input is set: a literal, or a nullable Terraform variable that is not null. */
export function isSet(value: unknown): Condition {
  return isUnresolvedToken(value) ? Op.neq(value, Token.nullValue()) : value !== undefined;
}

/** "true"/"false" as a string (environment variables, labels). */
export function conditionText(c: Condition): string {
  return isDecided(c) ? String(c) : Token.asString(Fn.conditional(c, "true", "false"));
}

/** Parts built under an undecided condition, with it; and the condition of each counted resource. */
const counted = new WeakMap<IConstruct, IResolvable>();
const conditions = new WeakMap<IConstruct, IResolvable>();

/**
 * Builds a part when the condition holds. Undecided: the part is built and every resource and data source in
 * it gets `count = condition ? 1 : 0`. References to counted resources are indexed (`[0]`) by
 * indexCountedReferences; references from outside the part must go through `fromPart`.
 */
export function optionalPart<T extends Construct>(c: Condition, build: () => T): T | undefined {
  if (c === false) return undefined;
  const part = build();
  if (c === true) return part;
  counted.set(part, c);
  indexReferencesIn(TerraformStack.of(part));
  for (const node of part.node.findAll()) {
    if (node instanceof TerraformResource || node instanceof TerraformDataSource) {
      // A part inside a counted part: both conditions.
      const inner = conditions.get(node);
      if (node.count !== undefined && inner === undefined) throw new Error(`optionalPart: ${node.node.path} has a count of its own`);
      const condition = inner === undefined ? c : (and(c, inner) as IResolvable);
      conditions.set(node, condition);
      node.count = Token.asNumber(Fn.conditional(condition, 1, 0));
    }
  }
  return part;
}

/**
 * A value read from a part: as is when the part surely exists, `fallback` when it is absent. For a counted part,
 * `condition ? try(value, fallback) : fallback` (try: a reference to an absent instance must not fail the plan).
 */
export function fromPart<T>(part: Construct | undefined, value: T, fallback: T): T {
  if (part === undefined) return fallback;
  const condition = counted.get(part);
  if (condition === undefined) return value;
  return Fn.conditional(condition, Fn.try([value, fallback]), fallback) as T;
}

/** Terraform addresses (`type.name`, `data.type.name`) of every counted resource in the tree. */
function countedAddresses(root: IConstruct): string[] {
  return root.node
    .findAll()
    .filter((n): n is TerraformResource | TerraformDataSource => (n instanceof TerraformResource || n instanceof TerraformDataSource) && n.count !== undefined)
    .map((n) => (n instanceof TerraformDataSource ? `data.${n.terraformResourceType}.${n.friendlyUniqueId}` : `${n.terraformResourceType}.${n.friendlyUniqueId}`));
}

const indexedStacks = new WeakSet<TerraformStack>();

/**
 * Makes the stack index references to its counted resources when it renders (cdktf does not): wraps the
 * stack's toTerraform once, so any stack holding a counted part, not only the module stack, renders valid JSON.
 */
function indexReferencesIn(stack: TerraformStack): void {
  if (indexedStacks.has(stack)) return;
  indexedStacks.add(stack);
  const render = stack.toTerraform.bind(stack);
  stack.toTerraform = () => indexCountedReferences(render(), countedAddresses(stack));
}

/**
 * Rewrites `type.name.attr` to `type.name[0].attr` for counted resources in every string of a synthesized
 * stack (cdktf does not index references to resources with count). Addresses alone (depends_on) are kept.
 */
function indexCountedReferences<T>(json: T, addresses: string[]): T {
  if (addresses.length === 0) return json;
  const escaped = addresses.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\w.])(${escaped.join("|")})\\.`, "g");
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return value.includes("${") ? value.replace(pattern, "$1[0].") : value;
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(json) as T;
}

/**
 * Nested blocks that are there while their conditions hold, as `dynamic` blocks written at `path` of the
 * resource's JSON (cdktf cannot put a dynamic block inside nested blocks). `content` uses Terraform's names.
 */
export function addConditionalBlocks(
  resource: { addOverride(path: string, value: unknown): void },
  path: string,
  block: string,
  blocks: { when: Condition; content: unknown }[],
): void {
  const present = blocks.filter((b) => b.when !== false);
  if (present.length === 0) return;
  resource.addOverride(
    `${path ? `${path}.` : ""}dynamic.${block}`,
    present.map((b) => ({ for_each: b.when === true ? ["on"] : Fn.conditional(b.when, ["on"], []), content: b.content })),
  );
}

/** A nested block of an ordered list, present while its condition holds. */
export interface ConditionalBlock<T> {
  readonly when: Condition;
  readonly block: T;
}

/** The blocks that hold when every condition is decided (for the construct's props); undefined when one is not. */
export function decidedBlocks<T>(entries: ConditionalBlock<T>[]): T[] | undefined {
  if (!entries.every((e) => isDecided(e.when))) return undefined;
  return entries.filter((e) => e.when).map((e) => e.block);
}

/**
 * An ordered list of nested blocks some of which depend on Terraform conditions (decidedBlocks gave undefined):
 * every block written as a dynamic block, in order, those that always hold with `for_each = ["on"]`. Terraform reads
 * a JSON body's blocks in the order of its keys (hashicorp/hcl json/structure.go), and cdktf sorts the keys, so
 * `dynamic` comes before `env`, `volume` and the like: static and dynamic blocks mixed would put the conditional
 * ones first. `toTerraform` gives a block's content in Terraform's names (the provider's
 * `...ToTerraform` function). Nothing is written when every condition is decided.
 */
export function addBlockList<T>(
  resource: { addOverride(path: string, value: unknown): void },
  path: string,
  block: string,
  entries: ConditionalBlock<T>[],
  toTerraform: (block: T) => unknown,
): void {
  if (entries.every((e) => isDecided(e.when))) return;
  addConditionalBlocks(resource, path, block, entries.map((e) => ({ when: e.when, content: toTerraform(e.block) })));
}
