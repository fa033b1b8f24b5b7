/**
 * What a change of configuration does to a running deployment, read from two synthesized stacks (before and after)
 * the way Terraform and the providers would plan it: which resources are created, deleted, replaced or updated in
 * place, by the ForceNew facts pinned in provider-facts.json (taken from the provider sources), the `ignore_changes`
 * of each resource, and references to resources that are replaced (their attributes are unknown until apply).
 * It also tells which emitted attributes the pinned facts do not know. No cdktf here.
 */
import { parseQuantity } from "../config/kubernetes-formats";
import facts from "./provider-facts.json";

export type Json = Record<string, any>;

interface Fact {
  forceNew: boolean;
  map?: boolean;
  subtree?: boolean;
  block?: boolean;
  notApplied?: boolean;
  forceNewWhenSmaller?: boolean;
  file: string;
  note?: string;
}

const RESOURCES = facts.resources as unknown as Record<string, { provider: string; file: string; attributes: Record<string, Fact> }>;

/** Keys of a resource block that are Terraform's (meta-arguments), not the provider's. */
const META = new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection", "timeouts"]);

export type Action = "create" | "delete" | "replace" | "update" | "never applied" | "ignored" | "no-op";

export interface ResourceImpact {
  /** `type.name` */
  address: string;
  type: string;
  action: Action;
  /** Changed attribute paths (normalized), with why each matters; `propagated`: unknown until apply through a reference, likely unchanged. */
  changes: { path: string; forceNew: boolean; notApplied: boolean; ignored: boolean; propagated: boolean }[];
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** A raw JSON path (with list indices) → the facts' path: indices dropped, `dynamic.X.content` read as X. */
export function normalize(raw: (string | number)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i];
    if (typeof part === "number") continue;
    if (part === "dynamic" && typeof raw[i + 1] === "string") {
      out.push(raw[i + 1] as string);
      i += 1;
      if (raw[i + 1] === "content") i += 1;
      continue;
    }
    out.push(part);
  }
  return out;
}

/** The fact for a normalized path: the exact entry, or the longest map or subtree entry above it. */
export function factFor(type: string, path: string[]): { fact: Fact; path: string } | undefined {
  const attributes = RESOURCES[type]?.attributes;
  if (!attributes) return undefined;
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join(".");
    const fact = attributes[key];
    if (fact && (n === path.length || fact.map || fact.subtree)) return { fact, path: key };
  }
  return undefined;
}

/** Facts of the path's ancestors that are blocks (for notApplied and element counts). */
function blocksAbove(type: string, path: string[]): Fact[] {
  const attributes = RESOURCES[type]?.attributes ?? {};
  const found: Fact[] = [];
  for (let n = 1; n <= path.length; n++) {
    const fact = attributes[path.slice(0, n).join(".")];
    if (fact?.block) found.push(fact);
  }
  return found;
}

/** Every attribute path a resource block sets, as raw paths to its leaves (dynamic blocks' for_each and iterator left out). */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    if (value.every((v) => !isObject(v) && !Array.isArray(v))) return [path];
    return value.flatMap((v, i) => leaves(v, [...path, i]));
  }
  if (isObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => {
      if (path.length === 0 && META.has(k)) return [];
      if (path[path.length - 2] === "dynamic" && (k === "for_each" || k === "iterator")) return [];
      return leaves(v, [...path, k]);
    });
  }
  return [path];
}

/** Attributes the project emits that the pinned facts do not know, as `type: path`. */
export function unknownAttributes(json: Json): string[] {
  const unknown = new Set<string>();
  for (const [type, byName] of Object.entries((json.resource ?? {}) as Json)) {
    for (const block of Object.values(byName as Json)) {
      for (const raw of leaves(block)) {
        const path = normalize(raw);
        if (!factFor(type, path)) unknown.add(`${type}: ${path.join(".")}`);
      }
    }
  }
  return [...unknown].sort();
}

interface RawChange {
  raw: (string | number)[];
  /** The element count of a list of blocks changed here. */
  count?: boolean;
  /** Changed through a reference: the value read changes, or it is only unknown until apply. */
  propagated?: "value" | "unknown";
  before?: unknown;
  after?: unknown;
}

function diff(a: unknown, b: unknown, path: (string | number)[], out: RawChange[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const blockList = (v: unknown) => Array.isArray(v) && v.some(isObject);
  if (blockList(a) || blockList(b)) {
    const x = (Array.isArray(a) ? a : []) as unknown[];
    const y = (Array.isArray(b) ? b : []) as unknown[];
    if (x.length !== y.length) out.push({ raw: path, count: true });
    for (let i = 0; i < Math.min(x.length, y.length); i++) diff(x[i], y[i], [...path, i], out);
    // Added or removed elements: every attribute they set changes.
    for (const extra of [...x.slice(y.length), ...y.slice(x.length)]) for (const leaf of leaves(extra)) out.push({ raw: [...path, x.length, ...leaf] });
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (path.length === 0 && META.has(key)) continue;
      diff(a[key], b[key], [...path, key], out);
    }
    return;
  }
  if (isObject(a) || isObject(b)) {
    for (const leaf of leaves(isObject(a) ? a : b)) out.push({ raw: [...path, ...leaf] });
    return;
  }
  out.push({ raw: path, before: a, after: b });
}

/** `spec[0].volume_claim_template` → ["spec", "volume_claim_template"]. */
const ignoredPaths = (block: Json): string[][] =>
  ((block.lifecycle?.ignore_changes ?? []) as string[]).map((p) => p.replace(/\[\d+\]/g, "").split("."));
const startsWith = (path: string[], prefix: string[]) => prefix.every((p, i) => path[i] === p);

function smaller(before: unknown, after: unknown): boolean {
  const [x, y] = [parseQuantity(String(before)), parseQuantity(String(after))];
  return x !== undefined && y !== undefined && y < x;
}

/** The references in a string to resources and data sources: their address and the attribute path read. */
function referencesIn(value: unknown): { address: string; attribute: string }[] {
  if (typeof value !== "string" || !value.includes("${")) return [];
  return [...value.matchAll(/(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)((?:\[\d+\]|\.[A-Za-z_][\w-]*)*)/g)].map((m) => ({
    address: m[1],
    attribute: m[2].replace(/\[\d+\]/g, "").replace(/^\./, ""),
  }));
}

function classify(type: string, block: Json, changes: RawChange[]): ResourceImpact["changes"] {
  const ignored = ignoredPaths(block);
  return changes.map((c) => {
    const path = normalize(c.raw);
    const found = factFor(type, path);
    const blocks = blocksAbove(type, path);
    const isIgnored = ignored.some((p) => startsWith(path, p));
    if (!found) throw new Error(`change impact: ${type} sets ${path.join(".")}, which lib/terraform/provider-facts.json does not know`);
    // A list of blocks whose element count changes: the block's own ForceNew (SDKv2 diffs the count with it).
    const forceNew = c.count ? found.fact.forceNew : found.fact.forceNew || (found.fact.forceNewWhenSmaller === true && smaller(c.before, c.after));
    const notApplied = !forceNew && (blocks.some((b) => b.notApplied) || found.fact.notApplied === true);
    return { path: path.join("."), forceNew: forceNew && !isIgnored, notApplied: notApplied && !isIgnored, ignored: isIgnored, propagated: c.propagated === "unknown" };
  });
}

function actionOf(changes: ResourceImpact["changes"]): Action {
  if (changes.length === 0) return "no-op";
  if (changes.some((c) => c.forceNew)) return "replace";
  if (changes.some((c) => !c.ignored && !c.notApplied)) return "update";
  if (changes.some((c) => c.notApplied)) return "never applied";
  return "ignored";
}

/**
 * The stack with every reference to a configured attribute of one of its resources replaced by that attribute's
 * value (`${kubernetes_namespace_v1.qdrant.metadata[0].name}` → "qdrant"): Terraform knows such values at plan,
 * also for a resource it replaces, so only references to computed attributes stay references.
 */
export function resolveConfigured(json: Json): Json {
  const lookup = (reference: string): unknown => {
    const [type, name, ...rest] = reference.replace(/\[(\d+)\]/g, ".$1").split(".");
    let value: unknown = json.resource?.[type]?.[name];
    for (const part of rest) {
      if (/^\d+$/.test(part)) value = Array.isArray(value) ? value[Number(part)] : value;
      else value = isObject(value) ? value[part] : undefined;
    }
    return typeof value === "string" && !value.includes("${") ? value : typeof value === "number" || typeof value === "boolean" ? value : undefined;
  };
  const map = (value: unknown, top: boolean): unknown => {
    if (typeof value === "string") {
      return value.replace(/\$\{([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*(?:\[\d+\]|\.[A-Za-z_][\w-]*)+)\}/g, (whole, reference: string) => {
        const found = lookup(reference);
        return found === undefined ? whole : String(found);
      });
    }
    if (Array.isArray(value)) return value.map((v) => map(v, false));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, top && k === "//" ? v : map(v, false)]));
    return value;
  };
  return { ...json, resource: Object.fromEntries(Object.entries((json.resource ?? {}) as Json).map(([type, byName]) => [type, Object.fromEntries(Object.entries(byName as Json).map(([n, b]) => [n, map(b, true)]))])) };
}

/** The resources a plan would touch going from `before` to `after` (two synthesized stacks). */
export function changeImpact(beforeStack: Json, afterStack: Json): ResourceImpact[] {
  const [before, after] = [resolveConfigured(beforeStack), resolveConfigured(afterStack)];
  const blocks = (json: Json) => {
    const map = new Map<string, { type: string; block: Json }>();
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Json)) for (const [name, block] of Object.entries(byName as Json)) map.set(`${type}.${name}`, { type, block });
    return map;
  };
  const [old, next] = [blocks(before), blocks(after)];
  const impacts = new Map<string, ResourceImpact>();
  const raw = new Map<string, RawChange[]>();
  for (const [address, { type, block }] of next) {
    const prior = old.get(address);
    if (!prior) {
      impacts.set(address, { address, type, action: "create", changes: [] });
      continue;
    }
    const changes: RawChange[] = [];
    diff(prior.block, block, [], changes);
    raw.set(address, changes);
  }
  for (const [address, { type }] of old) if (!next.has(address)) impacts.set(address, { address, type, action: "delete", changes: [] });
  // What refers to another resource changes with it: to anything of a resource that is replaced or created (unknown
  // until apply), to the changed attributes of one updated in place, to anything of a data source read anew.
  const dataBlocks = [...Object.entries((after.data ?? {}) as Json)].flatMap(([type, byName]) =>
    Object.entries(byName as Json).map(([name, block]) => ({ address: `data.${type}.${name}`, block: block as Json, prior: before.data?.[type]?.[name] })),
  );
  const dataChanged = new Set(dataBlocks.filter((d) => JSON.stringify(d.prior) !== JSON.stringify(d.block)).map((d) => d.address));
  // A data source that reads another one read anew (an OIDC provider from a changed cluster lookup) is read anew too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of dataBlocks) {
      if (dataChanged.has(d.address)) continue;
      const refs = leaves(d.block).flatMap((leaf) => referencesIn(leaf.reduce<unknown>((v, k) => (v as Json)?.[k as string], d.block)));
      if (refs.some((r) => dataChanged.has(r.address))) {
        dataChanged.add(d.address);
        grew = true;
      }
    }
  }
  /** "value": the attribute read changes; "unknown": it is unknown until apply (likely the same); false: unaffected. */
  const affects = (reference: { address: string; attribute: string }): "value" | "unknown" | false => {
    if (dataChanged.has(reference.address)) return "unknown";
    const impact = impacts.get(reference.address);
    if (!impact) return false;
    const read = impact.changes.some((c) => !c.ignored && (c.path.startsWith(reference.attribute) || reference.attribute.startsWith(c.path)));
    if (impact.action === "create") return "value";
    if (impact.action === "replace") return read ? "value" : "unknown";
    return impact.action === "update" && read ? "value" : false;
  };
  for (let round = 0; round < 10; round++) {
    const state = JSON.stringify([...impacts.values()].map((i) => [i.address, i.action, i.changes.length]));
    for (const [address, { type, block }] of next) {
      if (!raw.has(address)) continue;
      const changes = raw.get(address) as RawChange[];
      for (const leaf of leaves(block)) {
        const value = leaf.reduce<unknown>((v, k) => (v as Json)?.[k as string], block);
        const effects = referencesIn(value).filter((r) => r.address !== address).map(affects);
        if (!effects.some(Boolean)) continue;
        if (changes.some((c) => JSON.stringify(c.raw) === JSON.stringify(leaf))) continue;
        changes.push({ raw: leaf, before: value, after: value, propagated: effects.includes("value") ? "value" : "unknown" });
      }
      const classified = classify(type, block, changes);
      impacts.set(address, { address, type, action: actionOf(classified), changes: classified });
    }
    if (JSON.stringify([...impacts.values()].map((i) => [i.address, i.action, i.changes.length])) === state) break;
  }
  return [...impacts.values()].filter((i) => i.action !== "no-op").sort((a, b) => a.address.localeCompare(b.address));
}
