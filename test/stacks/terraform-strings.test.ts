/**
 * Terraform reads every string in cdk.tf.json as a template. Scripts and config files embedded in the stacks
 * (ConfigMap data, container commands) contain `${...}` and `%{...}` of their own, so they must come out of
 * Terraform exactly as written. This feeds them to the real terraform binary as locals (no provider needed)
 * and compares what Terraform makes of them with the files.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readScript, SCRIPT_PATHS, type ScriptName } from "../../lib/shell/read-script";
import { buildApp } from "../../stacks/app";
import type { Json } from "../helpers/synth";
import { requireTerraform } from "../helpers/terraform";

requireTerraform();

/** Strings that are meant to be literal: ConfigMap data and container commands. */
function embeddedStrings(stack: Json): string[] {
  const found: string[] = [];
  for (const configMap of Object.values((stack.resource?.kubernetes_config_map_v1 ?? {}) as Json)) {
    for (const value of Object.values((configMap.data ?? {}) as Json)) if (typeof value === "string") found.push(value);
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "command" && Array.isArray(value)) found.push(...value.filter((v): v is string => typeof v === "string"));
        else walk(value);
      }
    }
  };
  walk(stack.resource);
  return found.filter((s) => !s.startsWith("${") || !s.endsWith("}"));
}

/** What Terraform makes of each stack's strings: one terraform console for all stacks (locals named after them). */
function terraformRenders(byStack: Record<string, string[]>): Record<string, string[] | Error> {
  const local = (stack: string, i: number) => `${stack.replace(/-/g, "_")}_${i}`;
  const dir = mkdtempSync(join(tmpdir(), "tf-strings-"));
  const locals = Object.entries(byStack).flatMap(([stack, strings]) => strings.map((s, i) => [local(stack, i), s]));
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals: Object.fromEntries(locals) }));
  const expression = `jsonencode({${Object.entries(byStack)
    .map(([stack, strings]) => `${JSON.stringify(stack)} = [${strings.map((_, i) => `local.${local(stack, i)}`).join(", ")}]`)
    .join(", ")}})`;
  const run = spawnSync("terraform", ["console"], { cwd: dir, input: expression, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  // The console exits 0 after an error in the configuration (it prints a warning and evaluates what it can).
  try {
    if (run.status === 0 && !/Error: /.test(run.stderr)) return JSON.parse(JSON.parse(run.stdout.trim())) as Record<string, string[]>;
  } catch {
    // reported below
  }
  // Each stack on its own, so each gets its own error.
  if (Object.keys(byStack).length > 1) return Object.fromEntries(Object.entries(byStack).map(([stack, strings]) => [stack, terraformRenders({ [stack]: strings })[stack]]));
  return { [Object.keys(byStack)[0]]: new Error(`terraform console failed (exit ${run.status}):\n${run.stderr}\n${run.stdout}`) };
}

describe("strings embedded in the stacks", () => {
  const outdir = mkdtempSync(join(tmpdir(), "tf-strings-out-"));
  buildApp(join(__dirname, "../../config"), outdir).synth();
  const scripts = (Object.keys(SCRIPT_PATHS) as ScriptName[]).map(readScript);

  const stacks = ["qdrant-homelab", "qdrant-acme-corp", "qdrant-globex"];
  let renderedByStack: Record<string, string[] | Error>;
  beforeAll(() => {
    renderedByStack = terraformRenders(Object.fromEntries(stacks.map((name) => [name, embeddedStrings(JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Json)])));
  }, 60000);

  it.each(stacks)("%s: Terraform renders every embedded script exactly as the file", (name) => {
    const rendered = renderedByStack[name];
    if (rendered instanceof Error) throw rendered;
    const renderedScripts = rendered.filter((s) => s.startsWith("#!/usr/bin/env bash"));
    expect(renderedScripts.length).toBeGreaterThan(0);
    for (const script of renderedScripts) expect(scripts).toContain(script);
  }, 60000);
});
