import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Fails, never skips, when terraform is missing: the tests that run it are the most valuable ones. (`npm test`
 * checks for it before jest starts: tools/test-prerequisites.sh.)
 */
export function requireTerraform(): void {
  if (spawnSync("terraform", ["version"], { encoding: "utf8" }).status !== 0) {
    throw new Error("this test runs terraform (>= 1.10), which is not on PATH; install it from https://developer.hashicorp.com/terraform/install");
  }
}

const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" };

/**
 * Applies a configuration without providers (variables, locals, outputs) with the given variable values and
 * returns its outputs, or the error output when Terraform refuses. Nothing leaves the temp dir.
 */
export function applyWithoutProviders(config: Record<string, unknown>, vars: Record<string, unknown> = {}): { outputs?: Record<string, unknown>; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "tf-apply-"));
  try {
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
    writeFileSync(join(dir, "terraform.tfvars.json"), JSON.stringify(vars));
    const run = (...args: string[]) => spawnSync("terraform", [...args, "-no-color"], { cwd: dir, env, encoding: "utf8", timeout: 60000 });
    const init = run("init", "-backend=false", "-input=false");
    if (init.status !== 0) return { stderr: init.stderr };
    const apply = run("apply", "-auto-approve", "-input=false");
    if (apply.status !== 0) return { stderr: apply.stderr };
    const output = run("output", "-json");
    const outputs = JSON.parse(output.stdout) as Record<string, { value: unknown }>;
    return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])), stderr: "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
