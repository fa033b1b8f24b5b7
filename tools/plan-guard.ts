// The plan guard as a command: `npm run plan-guard -- <plan>`, where <plan> is `terraform show -json` output or a
// saved plan file (then this runs `terraform show -json` on it, from the plan file's folder's point of view: run it
// where `terraform plan -out` ran). Prints what it refuses and exits 1 when it refuses anything, 2 on bad usage;
// lib/terraform/plan-guard.ts has the rules.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkPlan, formatResult, PlanJson } from "../lib/terraform/plan-guard";

function readPlan(path: string, cwd: string): PlanJson {
  const text = readFileSync(resolve(cwd, path), "utf8");
  if (text.trimStart().startsWith("{")) return JSON.parse(text) as PlanJson;
  const show = spawnSync("terraform", ["show", "-json", "-no-color", path], { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  if (show.status !== 0) throw new Error(`terraform show -json ${path} failed: ${show.stderr || show.error?.message}`);
  return JSON.parse(show.stdout) as PlanJson;
}

/** Runs the guard on the plan named by args; returns the exit code and what it prints. */
export function planGuard(args: string[], cwd = process.cwd()): { code: number; output: string } {
  const [path] = args;
  if (!path || args.length > 1) {
    return { code: 2, output: "usage: npm run plan-guard -- <plan.json | planfile>   (terraform plan -out=planfile; terraform show -json planfile > plan.json)" };
  }
  const result = checkPlan(readPlan(path, cwd));
  return { code: result.refusals.length > 0 ? 1 : 0, output: formatResult(result) };
}

if (require.main === module) {
  const { code, output } = planGuard(process.argv.slice(2));
  (code === 2 ? console.error : console.log)(output);
  process.exit(code);
}
