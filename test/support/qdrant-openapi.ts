/**
 * Checks HTTP requests against Qdrant's own OpenAPI document (test/fixtures/qdrant/openapi-v<version>.json).
 *
 * Used by the Qdrant stand-in (qdrant-standin.ts). A request passes when its method and path exist in `paths`,
 * every query parameter is declared for that operation and valid by its schema, required ones are present, and a
 * JSON body validates against the operation's requestBody schema. The document is OpenAPI 3.0, so `nullable` is
 * rewritten into JSON Schema before ajv sees it.
 *
 * Stricter than the document in one way, on purpose: an object schema that lists `properties` and says nothing
 * about `additionalProperties` is treated as closed, so a property Qdrant's schema for that version does not know
 * (a typo, or a 1.19-only field sent to 1.13) is a violation. Qdrant's serde structs mostly ignore unknown fields
 * silently, which would hide exactly the bugs these tests exist to catch.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

export type QdrantVersion = "1.13" | "1.19";

/** Qdrant's reference documents, kept in the repository (test/fixtures/qdrant/README.md says where they come from). */
export const QDRANT_DOCS_DIR = path.resolve(__dirname, "..", "fixtures", "qdrant");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  template: string;
  method: string;
  params: JsonObject[];
  /** content type → schema of the body (only JSON bodies are validated) */
  bodies: Map<string, Json> | undefined;
}

export interface RequestCheck {
  /** The OpenAPI path template that matched, e.g. `/collections/{collection_name}`; undefined if none did. */
  template?: string;
  /** Decoded path parameters. */
  pathParams: Record<string, string>;
  /** Empty when the request is valid. */
  violations: string[];
}

export interface CheckInput {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  /** Raw body length in bytes. */
  bodyLength: number;
  /** The parsed JSON body when the content type is JSON (undefined otherwise). */
  json?: unknown;
}

const KEYWORD_SCHEMA_MAPS = new Set(["properties", "patternProperties", "schemas"]);
const KEYWORD_SCHEMA_LISTS = new Set(["anyOf", "oneOf", "allOf"]);
const KEYWORD_SCHEMA_SINGLE = new Set(["items", "not", "additionalProperties"]);
const DROPPED = new Set(["description", "example", "deprecated", "externalDocs"]);

/** Rewrites an OpenAPI 3.0 schema into JSON Schema (draft 7) that ajv validates. */
export function toJsonSchema(node: Json, closeObjects: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, closeObjects));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (KEYWORD_SCHEMA_MAPS.has(key) && value && typeof value === "object" && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, closeObjects)]));
    } else if (KEYWORD_SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(v, closeObjects));
    } else if (KEYWORD_SCHEMA_SINGLE.has(key) && value && typeof value === "object") {
      out[key] = toJsonSchema(value, closeObjects);
    } else {
      out[key] = value;
    }
  }
  if (closeObjects && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      const rest = Object.keys(out).filter((k) => k !== "default");
      return rest.length === 0 ? { type: "null" } : { anyOf: [out, { type: "null" }] };
    }
  }
  return out;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const all = (errors ?? []).filter((e) => !["anyOf", "oneOf", "allOf", "if"].includes(e.keyword));
  // Type errors mostly come from the other branches of an anyOf (the `null` of a nullable, the map form of
  // `vectors`); when anything more specific went wrong, that is the reason worth reading.
  const specific = all.filter((e) => e.keyword !== "type");
  const leaves = specific.length > 0 ? specific : all;
  const lines = [...new Set(leaves.map(describeError))].sort();
  const shown = lines.slice(0, 6);
  return shown.join("; ") + (lines.length > shown.length ? `; … ${lines.length - shown.length} more` : "");
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath === "" ? "(root)" : e.instancePath;
  if (e.keyword === "additionalProperties") return `${where}: unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === "enum") return `${where}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** One OpenAPI document, compiled: answers whether a request is one Qdrant of that version accepts. */
export class QdrantOpenApi {
  readonly version: QdrantVersion;
  readonly doc: JsonObject;
  private readonly ajv: Ajv;
  private readonly queryAjv: Ajv;
  private readonly ops: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(version: QdrantVersion, docsDir = QDRANT_DOCS_DIR) {
    this.version = version;
    this.doc = JSON.parse(fs.readFileSync(path.join(docsDir, `openapi-v${version}.json`), "utf8")) as JsonObject;
    const components = { schemas: (this.doc.components as JsonObject).schemas };
    const common = { strict: false, allErrors: true, validateFormats: false } as const;
    this.ajv = new Ajv(common);
    this.ajv.addSchema({ $id: "qdrant", components: toJsonSchema(components, true) } as object);
    this.queryAjv = new Ajv({ ...common, coerceTypes: true });
    this.queryAjv.addSchema({ $id: "qdrant", components: toJsonSchema(components, true) } as object);
    this.ajv.addSchema({ $id: "qdrant-open", components: toJsonSchema(components, false) } as object);
    for (const [template, item] of Object.entries(this.doc.paths as JsonObject)) {
      for (const [method, opJson] of Object.entries(item as JsonObject)) {
        const op = opJson as JsonObject;
        const content = (op.requestBody as JsonObject | undefined)?.content as JsonObject | undefined;
        const bodies = content ? new Map(Object.entries(content).map(([type, media]) => [type, (media as JsonObject).schema as Json])) : undefined;
        this.ops.push({ template, method: method.toUpperCase(), params: (op.parameters as JsonObject[] | undefined) ?? [], bodies });
      }
    }
  }

  /** Compiles (once per key) a schema fragment of the document; its `$ref`s resolve into the document's components. */
  private compile(key: string, schema: Json, base: "qdrant" | "qdrant-open", ajv: Ajv = this.ajv): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      const rebased = JSON.stringify(toJsonSchema(schema, base === "qdrant")).replace(/"#\/components\//g, `"${base}#/components/`);
      v = ajv.compile(JSON.parse(rebased) as object);
      this.validators.set(key, v);
    }
    return v;
  }

  /** Validates a value against a named component schema as the document states it, objects left open (for responses). */
  validateComponent(name: string, value: unknown): string[] {
    const v = this.compile(`component ${name}`, { $ref: `#/components/schemas/${name}` }, "qdrant-open");
    return v(value) ? [] : [describeErrors(v.errors)];
  }

  check(req: CheckInput): RequestCheck {
    const method = req.method.toUpperCase();
    const candidates = this.ops
      .map((op) => ({ op, params: matchTemplate(op.template, req.path) }))
      .filter((c): c is { op: Operation; params: Record<string, string> } => c.params !== undefined)
      .sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
    const label = `${method} ${req.path}`;
    if (candidates.length === 0) return { pathParams: {}, violations: [`${label}: no such path in Qdrant ${this.version}'s OpenAPI document`] };
    const hit = candidates.find((c) => c.op.method === method);
    if (!hit) {
      const allowed = [...new Set(candidates.map((c) => c.op.method))].join(", ");
      return { pathParams: {}, violations: [`${label}: method ${method} is not defined for ${candidates[0].op.template} in Qdrant ${this.version} (defined: ${allowed})`] };
    }
    const { op } = hit;
    const where = `${method} ${op.template}`;
    const violations: string[] = [];
    const declared = new Map(op.params.filter((p) => p.in === "query").map((p) => [p.name as string, p]));
    for (const key of new Set(req.query.keys())) {
      const param = declared.get(key);
      if (!param) {
        const known = [...declared.keys()].join(", ") || "none";
        violations.push(`${where}: query parameter "${key}" is not declared in Qdrant ${this.version} (declared: ${known})`);
        continue;
      }
      const values = req.query.getAll(key);
      if (values.length > 1) violations.push(`${where}: query parameter "${key}" given ${values.length} times`);
      const validate = this.compile(`${where} ?${key}`, { type: "object", properties: { value: param.schema as Json } }, "qdrant", this.queryAjv);
      if (!validate({ value: values[0] })) violations.push(`${where}: query parameter ${key}=${values[0]} is invalid: ${describeErrors(validate.errors)}`);
    }
    for (const [name, param] of declared) {
      if (param.required === true && !req.query.has(name)) violations.push(`${where}: required query parameter "${name}" is missing`);
    }
    violations.push(...this.checkBody(op, where, req));
    return { template: op.template, pathParams: hit.params, violations };
  }

  private checkBody(op: Operation, where: string, req: CheckInput): string[] {
    const mediaType = req.contentType?.split(";")[0].trim().toLowerCase();
    if (!op.bodies) return req.bodyLength > 0 ? [`${where}: takes no request body, got ${req.bodyLength} bytes`] : [];
    if (req.bodyLength === 0) {
      return op.bodies.has("application/json") ? [`${where}: missing JSON body`] : [`${where}: missing request body`];
    }
    if (!mediaType || !op.bodies.has(mediaType)) {
      return [`${where}: Content-Type ${mediaType ?? "(none)"} is not accepted (accepted: ${[...op.bodies.keys()].join(", ")})`];
    }
    if (mediaType !== "application/json") return [];
    if (req.json === undefined) return [`${where}: body is not valid JSON`];
    const validate = this.compile(`${where} body`, op.bodies.get(mediaType) as Json, "qdrant");
    return validate(req.json) ? [] : [`${where}: body does not match Qdrant ${this.version}'s schema: ${describeErrors(validate.errors)}`];
  }
}

function matchTemplate(template: string, actual: string): Record<string, string> | undefined {
  const t = template.split("/");
  const a = actual.split("/");
  if (t.length !== a.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(.+)\}$/.exec(t[i]);
    if (m) {
      if (a[i] === "") return undefined;
      try {
        params[m[1]] = decodeURIComponent(a[i]);
      } catch {
        return undefined;
      }
    } else if (t[i] !== a[i]) {
      return undefined;
    }
  }
  return params;
}

const cache = new Map<QdrantVersion, QdrantOpenApi>();

/** The compiled document for a version (compiled once per test process). */
export function qdrantOpenApi(version: QdrantVersion): QdrantOpenApi {
  let api = cache.get(version);
  if (!api) {
    api = new QdrantOpenApi(version);
    cache.set(version, api);
  }
  return api;
}
