import { Testing, TerraformStack } from "cdktf";
import { QdrantDeployment, QdrantDeploymentProps } from "../../lib/qdrant-deployment";
import { PodSecurityAspect } from "../../lib/core/pod-security";
import { Aspects } from "cdktf";
import { readScript, SCRIPT_PATHS, type ScriptName } from "../../lib/shell/read-script";
import { terraformLiteral } from "../../lib/terraform/script-text";

export type Json = Record<string, any>;

/** Minimal valid props: a customer with generated keys and no backups. */
export const BASE_PROPS: QdrantDeploymentProps = {
  customerName: "acme",
  apiKeySource: "generate",
  backupEnabled: false,
};

/** Synthesizes one QdrantDeployment (id "qdrant") in a fresh stack and returns the stack JSON. */
export function synthDeployment(props: Partial<QdrantDeploymentProps> = {}): Json {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  Aspects.of(stack).add(new PodSecurityAspect());
  new QdrantDeployment(stack, "qdrant", { ...BASE_PROPS, ...props } as QdrantDeploymentProps);
  return JSON.parse(Testing.synth(stack)) as Json;
}

/** The one resource of a type and name, or throws listing what exists. */
export function resource(json: Json, type: string, name: string): Json {
  const found = json.resource?.[type]?.[name];
  if (!found) throw new Error(`${type}.${name} not found; have: ${addresses(json).join(", ")}`);
  return found as Json;
}

export function addresses(json: Json): string[] {
  const out: string[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) for (const name of Object.keys(byName as Json)) out.push(`${type}.${name}`);
  for (const [type, byName] of Object.entries(json.data ?? {})) for (const name of Object.keys(byName as Json)) out.push(`data.${type}.${name}`);
  for (const name of Object.keys(json.variable ?? {})) out.push(`var.${name}`);
  for (const name of Object.keys(json.output ?? {})) out.push(`output.${name}`);
  return out.sort();
}

export function podSpec(json: Json, name = "qdrant"): Json {
  return resource(json, "kubernetes_stateful_set_v1", name).spec.template.spec;
}

export function qdrantContainer(json: Json): Json {
  return podSpec(json).container[0];
}

// Scripts have tests of their own; in golden snapshots their text is a placeholder, so a script change does
// not rewrite every golden file. (A value must equal the whole file to be replaced.)
const scripts = new Map(
  (Object.keys(SCRIPT_PATHS) as ScriptName[]).map((name) => [terraformLiteral(readScript(name)), `<script ${name}>`]),
);
export const withScriptPlaceholders = (value: unknown): unknown =>
  typeof value === "string"
    ? (scripts.get(value) ?? value)
    : Array.isArray(value)
      ? value.map(withScriptPlaceholders)
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withScriptPlaceholders(v)]))
        : value;
