/**
 * QdrantDeploymentProps as documented TypeScript interfaces, generated from the input schema (lib/config/schema.ts):
 * every prop, nested ones too, with its description and `@default`, so an editor shows them on hover. `npm run docs`
 * writes them to lib/config/props.ts and collection-props.ts; test/tools/props-interface.test.ts regenerates them,
 * compares, and checks at compile time that they accept exactly what the schema accepts.
 */
import { z } from "zod";
import { qdrantInputSchema } from "../lib/config/schema";

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
}

/**
 * Objects that get a named interface (by path; `[]` is a list's item), and the file each is written to (lib/config/,
 * one per concept); the others are written inline.
 */
export const INTERFACES: Record<string, { name: string; file: string }> = {
  "": { name: "QdrantDeploymentProps", file: "props.ts" },
  resources: { name: "QdrantResourceSettings", file: "props.ts" },
  "networkPolicyClients[]": { name: "QdrantNetworkClient", file: "props.ts" },
  tls: { name: "QdrantTlsSettings", file: "props.ts" },
  autoscaling: { name: "QdrantAutoscalingSettings", file: "props.ts" },
  sizing: { name: "QdrantSizingSettings", file: "props.ts" },
  "tolerations[]": { name: "QdrantToleration", file: "props.ts" },
  podSecurity: { name: "QdrantPodSecuritySettings", file: "props.ts" },
  monitoring: { name: "QdrantMonitoringSettings", file: "props.ts" },
  "collectionsConfig[]": { name: "QdrantCollection", file: "collection-props.ts" },
  "collectionsConfig[].hnswConfig": { name: "QdrantHnswConfig", file: "collection-props.ts" },
  "collectionsConfig[].quantization": { name: "QdrantQuantization", file: "collection-props.ts" },
  "collectionsConfig[].optimizersConfig": { name: "QdrantOptimizersConfig", file: "collection-props.ts" },
  "collectionsConfig[].payloadIndexes[]": { name: "QdrantPayloadIndex", file: "collection-props.ts" },
};

const HEADER = `/**
 * Generated from lib/config/schema.ts by tools/props-interface.ts (\`npm run docs\`); do not edit.
 * test/tools/props-interface.test.ts keeps it current and checks that the props accept exactly what the schema accepts.
 */
`;

/** A value as TypeScript writes it: `{ requests: { cpu: "1" } }`, `["a", "b"]`. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** `@default` for a prop: its value, or (optional without one) what its description says happens when unset. */
function defaultTag(s: JsonSchema, required: boolean): string[] {
  if (required) return [];
  if (s.default !== undefined) {
    if (s.properties && typeof s.default === "object" && s.default !== null && Object.keys(s.default).length === 0) return ["@default - each field's default"];
    return [`@default ${literal(s.default)}`];
  }
  // "(default X)", or a sentence or clause "Default: X." / "; default X"
  const text = s.description ?? "";
  const said = /\([Dd]efault:? ([^)]+)\)/.exec(text)?.[1] ?? /(?:^|[.;] )[Dd]efault:? (.+?)(?:\.(?:\s|$)|;|$)/.exec(text)?.[1];
  return [`@default - ${said ?? "unset"}`];
}

/** A doc comment: on one line when it fits in 120 columns, else one line per entry. */
function docComment(lines: string[], indent: string): string {
  const safe = lines.map((l) => l.replace(/\*\//g, "*\\/"));
  const one = `${indent}/** ${safe.join(" ")} */`;
  if (one.length <= 120) return `${one}\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */\n`;
}

/** Wraps description text at about 110 columns. */
function wrap(text: string, width = 110): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, line] : lines;
}

class Writer {
  readonly files: Record<string, string[]> = {};
  private readonly written = new Set<string>();

  typeOf(s: JsonSchema, path: string, indent: string): string {
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.type === "string") return "string";
    if (s.type === "number" || s.type === "integer") return "number";
    if (s.type === "boolean") return "boolean";
    if (s.type === "array") {
      const item = this.typeOf(s.items ?? {}, `${path}[]`, indent);
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    if (s.type === "object" && s.properties) {
      const named = INTERFACES[path];
      if (named === undefined) return `{\n${this.members(s, path, `${indent}  `)}${indent}}`;
      this.write(path, s);
      return named.name;
    }
    if (s.type === "object") {
      const value = typeof s.additionalProperties === "object" ? this.typeOf(s.additionalProperties, `${path}.*`, indent) : "unknown";
      return `Record<string, ${value}>`;
    }
    throw new Error(`${path || "(root)"}: no TypeScript type for ${JSON.stringify(s)}`);
  }

  private members(s: JsonSchema, path: string, indent: string): string {
    return Object.entries(s.properties ?? {})
      .map(([key, p]) => {
        const required = (s.required ?? []).includes(key);
        const at = path ? `${path}.${key}` : key;
        if (!p.description) throw new Error(`${at} has no description: add .describe() to it in the schema (every prop is documented)`);
        const tag = defaultTag(p, required);
        const doc = docComment([...wrap(p.description, 112 - indent.length), ...tag], indent);
        return `${doc}${indent}readonly ${key}${required ? "" : "?"}: ${this.typeOf(p, at, indent)};\n`;
      })
      .join("");
  }

  /** The named interface of the object at `path`, in its file (once). */
  write(path: string, s: JsonSchema): void {
    const { name, file } = INTERFACES[path];
    if (this.written.has(name)) return;
    this.written.add(name);
    const interfaces = (this.files[file] ??= []);
    // The parent before the interfaces its members name.
    const slot = interfaces.push("") - 1;
    const members = this.members(s, path, "  ");
    const description = path === "" ? "QdrantDeployment's props: every input of the deployment, as config files take them too." : s.description;
    if (!description) throw new Error(`${path} has no description: add .describe() to it in the schema (every interface is documented)`);
    const doc = docComment(wrap(description), "");
    interfaces[slot] = `${doc}export interface ${name} {\n${members}}\n`;
  }
}

/** The generated files, by name in lib/config/: their text. */
export function propsInterfaceFiles(): Record<string, string> {
  const json = z.toJSONSchema(qdrantInputSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const writer = new Writer();
  writer.write("", { ...json, description: undefined });
  return Object.fromEntries(
    Object.entries(writer.files).map(([file, interfaces]) => {
      const text = interfaces.join("\n");
      // Each file imports the interfaces it names from the other files.
      const imports = Object.entries(writer.files)
        .filter(([other]) => other !== file)
        .map(([other]) => {
          const names = Object.values(INTERFACES).filter((i) => i.file === other && new RegExp(`\\b${i.name}\\b`).test(text)).map((i) => i.name);
          return names.length === 0 ? "" : `import type { ${[...new Set(names)].join(", ")} } from "./${other.replace(/\.ts$/, "")}";\n`;
        })
        .join("");
      return [file, `${HEADER}${imports ? `${imports}\n` : "\n"}${text}`];
    }),
  );
}
