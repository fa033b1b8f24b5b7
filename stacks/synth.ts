/**
 * `npm run synth`: every stack from the config folder into the output folder, then a summary of what was written.
 * Stacks are synthesized into a fresh folder beside the output folder and moved into place only when all of them
 * succeed; a failed synth removes the previous output, so nothing left behind passes for current.
 */
import { App, TerraformDataSource, TerraformResource, TerraformStack } from "cdktf";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { QdrantConfigError } from "../lib/config/validate";
import { PodSecurityViolation } from "../lib/core/pod-security";
import { buildApp } from "./app";

export interface StackSummary {
  name: string;
  resources: number;
  dataSources: number;
  /** The stack's Terraform JSON. */
  file: string;
  warnings: string[];
}

interface Manifest {
  stacks: Record<string, { synthesizedStackPath: string; annotations?: { level: string; message: string }[] }>;
}

type BlockCounts = Pick<StackSummary, "resources" | "dataSources">;

const countBlocks = (blocks: Record<string, Record<string, unknown>> = {}) => Object.values(blocks).reduce((n, byName) => n + Object.keys(byName).length, 0);

/** The resource and data blocks in a stack's JSON, read back from the file. */
function countFromFile(file: string): BlockCounts {
  const json = JSON.parse(readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, unknown>>; data?: Record<string, Record<string, unknown>> };
  return { resources: countBlocks(json.resource), dataSources: countBlocks(json.data) };
}

/**
 * The same counts from the synthesized app, without reading each stack's JSON back (those files are mostly the
 * shell scripts, several times over): one block per address, as cdktf merges the elements' blocks into the file.
 */
function countFromApp(app: App): Map<string, BlockCounts> {
  const counts = new Map<string, BlockCounts>();
  for (const stack of app.node.children) {
    if (!(stack instanceof TerraformStack)) continue;
    const resources = new Set<string>();
    const dataSources = new Set<string>();
    for (const node of stack.node.findAll()) {
      if (node instanceof TerraformResource) resources.add(`${node.terraformResourceType}.${node.friendlyUniqueId}`);
      else if (node instanceof TerraformDataSource) dataSources.add(`${node.terraformResourceType}.${node.friendlyUniqueId}`);
    }
    counts.set(stack.node.id, { resources: resources.size, dataSources: dataSources.size });
  }
  return counts;
}

/**
 * What cdktf wrote to `outdir`: one entry per stack, in name order. The blocks are counted from `app` when given
 * (the app that wrote `outdir`), else from the files.
 */
export function summarize(outdir: string, app?: App): StackSummary[] {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as Manifest;
  const fromApp = app && countFromApp(app);
  return Object.entries(manifest.stacks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, stack]) => {
      const file = join(outdir, stack.synthesizedStackPath);
      const counts = fromApp?.get(name) ?? countFromFile(file);
      const warnings = (stack.annotations ?? []).filter((a) => a.level.endsWith("warn")).map((a) => a.message);
      return { name, ...counts, file, warnings };
    });
}

/** The summary `npm run synth` prints, with paths relative to `cwd`. */
export function formatSummary(stacks: StackSummary[], configDir: string, cwd = process.cwd()): string {
  const rel = (path: string) => relative(cwd, path) || ".";
  const width = Math.max(...stacks.map((s) => s.name.length));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [`Synthesized ${plural(stacks.length, "stack")} from ${rel(configDir)}/:`];
  for (const s of stacks) {
    lines.push(`  ${s.name.padEnd(width)}  ${plural(s.resources, "resource")}, ${plural(s.dataSources, "data source")}  ${rel(s.file)}`);
  }
  const warnings = stacks.flatMap((s) => s.warnings.map((w) => `  ${s.name}: ${w}`));
  lines.push(warnings.length === 0 ? "No warnings." : `Warnings (${warnings.length}):`, ...warnings);
  return lines.join("\n");
}

/**
 * Synthesizes every stack of `configDir` into `outdir`. Returns the summary, or throws after removing `outdir`
 * (a QdrantConfigError or PodSecurityViolation carries the message for the user).
 */
export function synthesizeAll(configDir: string, outdir: string): StackSummary[] {
  const staging = mkdtempSync(join(dirname(outdir), `.${basename(outdir)}-`));
  let app: App;
  try {
    app = buildApp(configDir, staging);
    app.synth();
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  rmSync(outdir, { recursive: true, force: true });
  renameSync(staging, outdir);
  return summarize(outdir, app);
}

/** The CLI: prints the summary, or the problems (exit 1) and that no output was left. */
export function runSynth(configDir: string, outdir: string, cwd = process.cwd()): number {
  const hadOutput = existsSync(outdir);
  try {
    console.log(formatSummary(synthesizeAll(configDir, outdir), configDir, cwd));
    return 0;
  } catch (error) {
    if (!(error instanceof QdrantConfigError || error instanceof PodSecurityViolation)) throw error;
    console.error(error.message);
    if (hadOutput) console.error(`Nothing synthesized; removed ${relative(cwd, outdir)}/ so no earlier output passes for current.`);
    return 1;
  }
}
