/**
 * The README's inputs tables, generated from the schema (so a default is never restated by hand).
 * `npm run docs` writes them between the markers in README.md; test/tools/readme-tables.test.ts keeps them in sync.
 */
import { z } from "zod";
import { RULE_CATALOGUE } from "../lib/config/rules";
import { runsInModule } from "../lib/config/rules/rule";
import { MODULE_EXCLUDED_INPUTS } from "../lib/module/variables";
import { qdrantInputSchema, snakeCase } from "../lib/config/schema";
import { eksStackSettingsShape, homelabStackSettingsShape } from "../lib/config/stack-settings";

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  required?: string[];
};

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(" \\| ");
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(", ");
  if (s.type === "array") return `list(${s.items ? typeOf(s.items) : "any"})`;
  if (s.type === "object" && s.properties) return "object";
  if (s.type === "object") return `map(${typeof s.additionalProperties === "object" ? typeOf(s.additionalProperties) : "any"})`;
  if (s.type === "integer") return "number";
  if (s.type === "boolean") return "bool";
  return String(s.type ?? "any");
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default === undefined) return required ? "required" : "unset";
  const text = JSON.stringify(s.default);
  return text.length > 60 ? "see below" : `\`${text.replace(/\|/g, "\\|")}\``;
}

/** The inputs with their Terraform module variable (none for `stacksOnly`); stack settings have no variable column. */
function table(schema: z.ZodType, variables?: { stacksOnly: readonly string[] }): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows = Object.entries(json.properties ?? {}).map(([name, s]) => {
    const required = (json.required ?? []).includes(name);
    const description = (s.description ?? "").replace(/\|/g, "\\|");
    const variable = variables ? [variables.stacksOnly.includes(name) ? "none (CDKTF only)" : `\`${snakeCase(name)}\``] : [];
    return `| ${[`\`${name}\``, ...variable, typeOf(s), defaultOf(s, required), description].join(" | ")} |`;
  });
  const columns = ["Input", ...(variables ? ["Terraform variable"] : []), "Type", "Default", "Description"];
  return [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---|").join("")}`, ...rows].join("\n");
}

export function inputsTableMarkdown(): string {
  return table(qdrantInputSchema, { stacksOnly: MODULE_EXCLUDED_INPUTS });
}

export function stackSettingsTablesMarkdown(): string {
  return [
    "EKS customer files (`config/customers/<customer>.yaml`):",
    "",
    table(z.strictObject(eksStackSettingsShape)),
    "",
    "Homelab file (`config/homelab.yaml`):",
    "",
    table(z.strictObject(homelabStackSettingsShape)),
  ].join("\n");
}

/** The cross-field rules, from the catalogue: where each is reported, what it says, which face runs it. */
export function rulesTableMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = RULE_CATALOGUE.map((rule) => {
    let level = 0;
    const field = rule.field.replace(/\[\]/g, () => `[${"ij"[level++]}]`);
    const variable = runsInModule(rule) ? ` (\`${snakeCase(field)}\`)` : "";
    const faces =
      typeof rule.stacks !== "function"
      ? `module only: ${rule.stacks.why}`
      : typeof rule.module !== "string"
        ? `stacks only: ${rule.module.why}`
        : rule.moduleGap
          ? `both (but ${rule.moduleGap})`
          : "both";
    const message = rule.message.replace(/\{(\w+)\}/g, "<$1>");
    return `| \`${rule.id}\` | \`${field}\`${variable} | ${cell(message)} | ${cell(faces)} |`;
  });
  return ["| Rule | Reported at (module variable) | Problem | Checked by |", "|---|---|---|---|", ...rows].join("\n");
}

/** README.md with the generated sections replaced, and the `extra` ones (e.g. change-impact, which synthesizes). */
export function withGeneratedSections(readme: string, extra: Record<string, string> = {}): string {
  const sections: Record<string, string> = { inputs: inputsTableMarkdown(), "stack-settings": stackSettingsTablesMarkdown(), rules: rulesTableMarkdown(), ...extra };
  let out = readme;
  for (const [name, body] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`README.md has no <!-- generated:${name} --> section`);
    out = out.replace(pattern, (_m, start: string, end: string) => `${start}${body}\n${end}`);
  }
  return out;
}
