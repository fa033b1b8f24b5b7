import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onPath } from "./on-path";

/**
 * Fails, never skips, when terraform is missing: the tests that run it are the most valuable ones. (`npm test`
 * checks for it before jest starts: tools/test-prerequisites.sh.)
 */
export function requireTerraform(): void {
  // A look on PATH, not `terraform version`: that costs a quarter of a second, in every test file that calls this.
  if (!onPath("terraform")) {
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

/**
 * Several root configurations in one terraform run, for tests that would otherwise start terraform (and init) once
 * per scenario. Each scenario becomes a child module in a directory of its own (its files as given), called from a
 * root module that hands it its variable values. The values come from the root's terraform.tfvars.json, through one
 * root variable of type any per scenario, so that, as for a root module's variables, Terraform checks them (types,
 * validation blocks) while planning and not in the validate step that precedes the plan (a failure there ends the
 * run before any output precondition is evaluated): a plan then reports every scenario's failures, each in its own
 * module. Terraform still evaluates
 * each module's configuration once per scenario, so a scenario costs what its evaluation costs; what is shared is
 * start-up, init and configuration loading.
 */
export interface ModuleScenario {
  /** The scenario's configuration: file name to text (e.g. variables.tf, main.tf.json). */
  files: Record<string, string>;
  /** Its variable values, by variable name (what a tfvars file would hold). */
  vars: Record<string, unknown>;
}

export interface TerraformDiagnostic {
  severity: string;
  summary: string;
  detail: string;
  range?: { filename: string };
  snippet?: { context?: string };
}

const SCENARIO_NAME = /^[a-z][a-z0-9_]*$/;

function writeScenarios(dir: string, scenarios: Record<string, ModuleScenario>, outputs: boolean): void {
  const root: Record<string, Record<string, unknown>> = { variable: {}, module: {} };
  if (outputs) root.output = {};
  const tfvars: Record<string, unknown> = {};
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (!SCENARIO_NAME.test(name)) throw new Error(`scenario name ${JSON.stringify(name)} is not ${SCENARIO_NAME}`);
    mkdirSync(join(dir, name));
    for (const [file, text] of Object.entries(scenario.files)) writeFileSync(join(dir, name, file), text);
    root.variable[name] = { type: "any" };
    root.module[name] = { source: `./${name}`, ...Object.fromEntries(Object.keys(scenario.vars).map((key) => [key, `\${var.${name}["${key}"]}`])) };
    // Sensitive: a module output may be; `terraform output -json` prints the values all the same.
    if (outputs) root.output[name] = { value: `\${module.${name}}`, sensitive: true };
    tfvars[name] = scenario.vars;
  }
  writeFileSync(join(dir, "scenarios.tf.json"), JSON.stringify(root, null, 2));
  writeFileSync(join(dir, "terraform.tfvars.json"), JSON.stringify(tfvars));
}

/** The scenario a diagnostic is about: its file's directory, or the module call it points at. */
function scenarioOf(diagnostic: TerraformDiagnostic): string | undefined {
  const file = diagnostic.range?.filename ?? "";
  if (file.includes("/")) return file.split("/")[0];
  return /^module\.([a-z0-9_]+)/.exec(diagnostic.snippet?.context ?? "")?.[1] ?? /validation rule at ([a-z0-9_]+)\//.exec(diagnostic.detail)?.[1];
}

const jsonMessages = (stdout: string) =>
  stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { type: string; diagnostic?: TerraformDiagnostic });

/**
 * `terraform plan` of every scenario at once (no providers): each scenario's error diagnostics. An error Terraform
 * does not tie to one scenario is given to all of them (it could be anyone's), so no failure goes unreported.
 */
export function planScenarios(scenarios: Record<string, ModuleScenario>): Record<string, TerraformDiagnostic[]> {
  const dir = mkdtempSync(join(tmpdir(), "tf-scenarios-"));
  try {
    writeScenarios(dir, scenarios, false);
    const run = (...args: string[]) => spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", timeout: 120000 });
    const init = run("init", "-backend=false", "-input=false", "-no-color");
    if (init.status !== 0) throw new Error(`terraform init failed (${init.status ?? init.signal}):\n${init.stderr}`);
    const plan = run("plan", "-json", "-input=false", "-lock=false");
    const errors = jsonMessages(plan.stdout).flatMap((m) => (m.type === "diagnostic" && m.diagnostic?.severity === "error" ? [m.diagnostic] : []));
    if (plan.status !== 0 && errors.length === 0) throw new Error(`terraform plan failed without diagnostics:\n${plan.stderr}`);
    const unattributed = errors.filter((d) => !Object.hasOwn(scenarios, scenarioOf(d) ?? ""));
    return Object.fromEntries(Object.keys(scenarios).map((name) => [name, [...errors.filter((d) => scenarioOf(d) === name), ...unattributed]]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * applyWithoutProviders for every scenario at once: each scenario's outputs (null ones left out, as `terraform
 * output` does). When the joint run fails, each scenario is applied on its own, so each gets its own error.
 */
export function applyScenariosWithoutProviders(scenarios: Record<string, ModuleScenario>): Record<string, { outputs?: Record<string, unknown>; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "tf-scenarios-"));
  try {
    writeScenarios(dir, scenarios, true);
    const run = (...args: string[]) => spawnSync("terraform", [...args, "-no-color"], { cwd: dir, env, encoding: "utf8", timeout: 120000 });
    const init = run("init", "-backend=false", "-input=false");
    const apply = init.status === 0 ? run("apply", "-auto-approve", "-input=false", "-lock=false") : init;
    if (apply.status === 0) {
      const outputs = JSON.parse(run("output", "-json").stdout) as Record<string, { value: Record<string, unknown> }>;
      return Object.fromEntries(
        Object.keys(scenarios).map((name) => [name, { outputs: Object.fromEntries(Object.entries(outputs[name].value).filter(([, v]) => v !== null)), stderr: "" }]),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries(
    Object.entries(scenarios).map(([name, { files, vars }]) => {
      const config = files["main.tf.json"];
      if (config === undefined || Object.keys(files).length !== 1) throw new Error(`scenario ${name}: only a main.tf.json configuration can be applied on its own`);
      return [name, applyWithoutProviders(JSON.parse(config) as Record<string, unknown>, vars)];
    }),
  );
}

/**
 * Every scenario's outputs from one `terraform console`, for configurations without resources: one evaluation per
 * scenario, without the validate, plan and apply walks of `terraform apply` (three evaluations). Outputs must not be
 * sensitive (the console would print "(sensitive value)"). Throws with Terraform's errors when any scenario fails.
 */
export function evaluateScenarios(scenarios: Record<string, ModuleScenario>): Record<string, Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "tf-console-"));
  try {
    writeScenarios(dir, scenarios, false);
    const run = (args: string[], input?: string) => spawnSync("terraform", args, { cwd: dir, env, input, encoding: "utf8", timeout: 120000, maxBuffer: 1 << 28 });
    const init = run(["init", "-backend=false", "-input=false", "-no-color"]);
    if (init.status !== 0) throw new Error(`terraform init failed (${init.status ?? init.signal}):\n${init.stderr}`);
    const expression = `jsonencode({${Object.keys(scenarios)
      .map((name) => `${name} = module.${name}`)
      .join(", ")}})`;
    const console = run(["console", "-no-color"], expression);
    // The console may exit 0 after an error in the configuration (it warns and evaluates what it can).
    if (console.status !== 0 || /Error: /.test(console.stderr)) {
      // Long lines (a configuration line quoted in a diagnostic) shortened.
      const stderr = console.stderr.replace(/^(.{400}).+$/gm, "$1 ...");
      throw new Error(`terraform console failed (${console.status ?? console.signal}):\n${stderr}`);
    }
    return JSON.parse(JSON.parse(console.stdout.trim()) as string) as Record<string, Record<string, unknown>>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The locals that read no resource or data source of the given providers (default: all three), for a run without
 * those providers: e.g. the key-change guard's hashes read the generated passwords (random) and the Secrets Manager
 * secret (aws).
 */
export function localsWithoutResources(locals: Record<string, unknown> | undefined, providers: string[] = ["kubernetes", "random", "aws"]): Record<string, unknown> {
  const reads = new RegExp(`\\b(${providers.join("|")})_[a-z0-9_]+\\.[a-z]`);
  return Object.fromEntries(Object.entries(locals ?? {}).filter(([, value]) => !reads.test(JSON.stringify(value))));
}
