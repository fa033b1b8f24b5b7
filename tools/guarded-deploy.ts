// `npm run deploy:guarded -- <stack>... [--auto-approve]`: a deploy with the plan guard between plan and apply, which
// `cdktf deploy` cannot give (it plans and applies in one step). For each synthesized stack, in
// cdktf.out/stacks/<stack>/ (the state is where `cdktf deploy` keeps it: the stack's backend block says so):
// terraform init, terraform plan -out, the plan guard on that plan file, and only when the guard passes and the
// operator answers "yes" (or --auto-approve), terraform apply of exactly that plan. Exit codes: 0 applied, 1 a step
// failed or the guard refused (nothing applied to that stack, nor to any after it), 2 bad usage.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { planGuard } from "./plan-guard";

export interface GuardedDeployIo {
  /** Runs terraform with these arguments in dir, output to the terminal; returns its exit status. */
  terraform(dir: string, args: string[]): number;
  /** Asks the question; true when the answer is "yes". */
  confirm(question: string): boolean;
  print(line: string): void;
}

const terminal: GuardedDeployIo = {
  terraform: (dir, args) => spawnSync("terraform", args, { cwd: dir, stdio: "inherit", env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).status ?? 1,
  confirm(question) {
    process.stdout.write(question);
    const buffer = Buffer.alloc(64);
    let n = 0;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch {
      return false; // no stdin to ask: not approved
    }
    return buffer.toString("utf8", 0, n).trim() === "yes";
  },
  print: (line) => console.log(line),
};

export function guardedDeploy(args: string[], root: string, io: GuardedDeployIo = terminal): number {
  const autoApprove = args.includes("--auto-approve");
  const stacks = args.filter((a) => a !== "--auto-approve");
  const stacksDir = join(root, "cdktf.out", "stacks");
  const available = existsSync(stacksDir) ? readdirSync(stacksDir).sort() : [];
  const unknown = stacks.filter((s) => !existsSync(join(stacksDir, s, "cdk.tf.json")));
  if (stacks.length === 0 || unknown.length > 0 || stacks.some((s) => s.startsWith("-"))) {
    io.print(
      `usage: npm run deploy:guarded -- <stack>... [--auto-approve]\n` +
        (unknown.length > 0 ? `not synthesized: ${unknown.join(", ")}; ` : "") +
        `stacks in cdktf.out/stacks: ${available.join(", ") || "none (npm run synth first)"}`,
    );
    return 2;
  }
  // A plan file holds the variables' values (API keys) and the state: a private directory, removed on every way out.
  const planDir = mkdtempSync(join(tmpdir(), "qdrant-guarded-deploy-"));
  const planFile = join(planDir, "guarded.tfplan");
  const cleanUp = () => rmSync(planDir, { recursive: true, force: true });
  const interrupted = () => {
    cleanUp();
    process.exit(130);
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  try {
    for (const stack of stacks) {
      const dir = join(stacksDir, stack);
      io.print(`== ${stack}: init, plan, plan guard${autoApprove ? ", apply" : ", confirm, apply"}`);
      if (io.terraform(dir, ["init", "-input=false"]) !== 0) return stop(io, stack, "terraform init failed; nothing was applied");
      if (io.terraform(dir, ["plan", "-input=false", `-out=${planFile}`]) !== 0) return stop(io, stack, "terraform plan failed; nothing was applied");
      let guard: { code: number; output: string };
      try {
        guard = planGuard([planFile], dir);
      } catch (error) {
        return stop(io, stack, `the plan guard could not read the plan (${(error as Error).message.replace(/\s+/g, " ").trim()}); nothing was applied`);
      }
      io.print(guard.output);
      if (guard.code !== 0) return stop(io, stack, "the plan guard refused the plan; nothing was applied");
      if (!autoApprove && !io.confirm(`Apply this plan to ${stack}? Only "yes" applies: `)) return stop(io, stack, "not approved; nothing was applied");
      if (io.terraform(dir, ["apply", "-input=false", planFile]) !== 0) return stop(io, stack, "terraform apply failed (its output says how far it got)");
      rmSync(planFile, { force: true });
    }
    return 0;
  } finally {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
    cleanUp();
  }
}

/** Stops the run: this stack's step failed, and the stacks after it are left alone. */
function stop(io: GuardedDeployIo, stack: string, why: string): number {
  io.print(`${stack}: ${why}`);
  return 1;
}

if (require.main === module) {
  process.exit(guardedDeploy(process.argv.slice(2), resolve(__dirname, "..", "..")));
}
