/**
 * Consumers of the published Terraform module (moduleFiles(): what `npm run build:module` writes): an HCL root
 * module (test/fixtures/hcl-consumer) and a CDKTF app using `cdktf get` bindings (test/fixtures/cdktf-consumer).
 *
 * The whole module cannot be `terraform init`ed here: it needs the kubernetes, helm and random providers, and
 * nothing can be downloaded. What Terraform can check without providers is the module's interface, so the tests
 * plan the consumers against an "interface shell" of it: the real variables.tf (types, defaults, validations),
 * the module's locals, its outputs (those computed from variables only; the others keep their names with a null
 * value), and the module's lifecycle preconditions (cross-field rules over variables) moved onto an output.
 * Resources, data sources and providers are not evaluated: nothing here shows that the module's resources accept
 * these values, only that the consumers call the module correctly.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moduleFiles } from "../../lib/module/files";
import { requireTerraform } from "../helpers/terraform";

type Json = Record<string, any>;

const ROOT = join(__dirname, "../..");
const FIXTURES = join(__dirname, "../fixtures");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const CDKTF = join(ROOT, "node_modules/cdktf-cli/bundle/bin/cdktf");
const API_KEY = "0123456789abcdefghij0123456789abcdefghij"; // 40 characters

requireTerraform();

let root: string;
let files: Record<string, string>;
let moduleJson: Json;
let shell: Json;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  files = moduleFiles();
  moduleJson = JSON.parse(files["main.tf.json"]) as Json;
  shell = interfaceShell(moduleJson);
  root = mkdtempSync(join(tmpdir(), "qdrant-module-consumers-"));
  // Child processes keep their temp files (cdktf's module asset copies) and cdktf's home in the temp dir.
  mkdirSync(join(root, "tmp"));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TF_(VAR_|CLI_ARGS)/.test(k)));
  env = {
    ...inherited,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_CLI_CONFIG_FILE: "/dev/null",
    TMPDIR: join(root, "tmp"),
    CDKTF_HOME: join(root, "cdktf-home"),
    FORCE_COLOR: "0",
    // cdktf synth otherwise runs `npm list cdktf --json` (~2 s CPU over the linked node_modules) to warn when the
    // cdktf library and CLI versions differ; the warning does not change what it synthesizes.
    DISABLE_VERSION_CHECK: "1",
  };
}, 60000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// -------------------------------------------------------------------------------------------------------------
// Helpers

/** The module reduced to what Terraform can evaluate without providers (see the file comment). */
function interfaceShell(json: Json): Json {
  const types = [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})];
  const needsResources = (value: unknown) => {
    const text = JSON.stringify(value ?? null);
    return /\bmodule\./.test(text) || types.some((type) => new RegExp(`\\b${type}\\.`).test(text));
  };
  const output = Object.fromEntries(
    Object.entries((json.output ?? {}) as Record<string, Json>).map(([name, o]) => [name, needsResources(o.value) ? { ...o, value: null } : o]),
  );
  const preconditions = Object.values({ ...(json.resource ?? {}), ...(json.data ?? {}) } as Record<string, Record<string, Json>>)
    .flatMap((blocks) => Object.values(blocks))
    .flatMap((block) => (block.lifecycle?.precondition ?? []) as Json[])
    .filter((p) => !needsResources(p.condition));
  if (preconditions.length > 0) output.module_preconditions = { value: true, precondition: preconditions };
  const locals = Object.fromEntries(Object.entries((json.locals ?? {}) as Json).filter(([, value]) => !needsResources(value)));
  return { terraform: { required_version: json.terraform?.required_version }, locals, output };
}

function writeModule(dir: string, mainJson: Json | string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "variables.tf"), files["variables.tf"]);
  writeFileSync(join(dir, "main.tf.json"), typeof mainJson === "string" ? mainJson : JSON.stringify(mainJson, null, 2));
}

function run(command: string, args: string[], cwd: string, timeout = 60000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout });
  if (result.error) throw result.error;
  return result;
}

const output = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

/** The error diagnostics of a `terraform plan -json` or `apply -json` run, as "summary: detail". */
function errorDiagnostics(r: SpawnSyncReturns<string>): string[] {
  return r.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Json)
    .filter((m) => m.type === "diagnostic" && m.diagnostic.severity === "error")
    .map((m) => `${m.diagnostic.summary}: ${m.diagnostic.detail}`);
}

/**
 * `terraform init` (once per `dataDir`, see below), then `terraform <command> -json`: the exit status and the error
 * diagnostics. Consumers whose module calls have the same source share one data directory (TF_DATA_DIR), and so
 * one init: init only records where the local module is (relative to the consumer), and Terraform refuses to plan
 * when a module call's source no longer matches what was installed.
 */
function terraformRun(dir: string, command: "plan" | "apply", vars: Record<string, string>, dataDir = join(dir, ".terraform")): { status: number | null; errors: string[] } {
  const inDataDir = (command: string, args: string[]) => spawnSync("terraform", [command, ...args], { cwd: dir, env: { ...env, TF_DATA_DIR: dataDir }, encoding: "utf8", timeout: 60000 });
  if (!existsSync(join(dataDir, "modules/modules.json"))) {
    const init = inDataDir("init", ["-input=false", "-no-color"]);
    if (init.status !== 0) throw new Error(`terraform init failed in ${dir}: ${output(init)}`);
  }
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${v}`]);
  const run = inDataDir(command, ["-json", "-input=false", "-lock=false", ...(command === "apply" ? ["-auto-approve"] : []), ...varArgs]);
  if (run.error) throw run.error;
  return { status: run.status, errors: errorDiagnostics(run) };
}

/** `terraform init` then `terraform plan -json`: the exit status and the error diagnostics as "summary: detail". */
function terraformPlan(dir: string, vars: Record<string, string> = {}, dataDir?: string): { status: number | null; errors: string[] } {
  return terraformRun(dir, "plan", vars, dataDir);
}

/** `terraform apply` (it plans first; no resources: it only computes outputs, state stays in dir) and the root outputs. */
function terraformApply(dir: string, vars: Record<string, string>, dataDir?: string): Record<string, unknown> {
  const { status, errors } = terraformRun(dir, "apply", vars, dataDir);
  if (status !== 0) throw new Error(`terraform apply failed in ${dir} (exit ${status}):\n${errors.join("\n")}`);
  const outputs = JSON.parse(run("terraform", ["output", "-json"], dir).stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, o.value]));
}

/** The error_message texts of one variable's validation blocks in variables.tf, as Terraform prints them. */
function validationMessages(variablesTf: string, name: string): string[] {
  const start = variablesTf.indexOf(`variable "${name}" {`);
  if (start < 0) throw new Error(`variables.tf has no variable "${name}"`);
  const end = variablesTf.indexOf("\nvariable ", start + 1);
  const block = variablesTf.slice(start, end < 0 ? undefined : end);
  return [...block.matchAll(/^\s*error_message\s*=\s*(".*")$/gm)].map((m) => (JSON.parse(m[1]) as string).replace(/([$%])\1\{/g, "$1{"));
}

/** text with pattern replaced, failing when the pattern does not occur (a variant must differ from the fixture). */
function edit(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`${pattern} does not occur in the fixture`);
  return text.replace(pattern, replacement);
}

// -------------------------------------------------------------------------------------------------------------

describe("module interface shell (the part of the module Terraform can evaluate offline)", () => {
  it("keeps every output name, the values computed from variables, and the module's preconditions", () => {
    expect(Object.keys(shell.output)).toEqual(expect.arrayContaining(Object.keys(moduleJson.output)));
    expect(shell.output.service_fqdn.value).toBe(moduleJson.output.service_fqdn.value);
    expect(shell.output.connection_string.value).toBe(moduleJson.output.connection_string.value);
    expect(shell.output.service_name.value).toBeNull(); // needs kubernetes_service_v1.qdrant
    expect(shell.output.module_preconditions.precondition.length).toBeGreaterThan(0);
    expect(JSON.stringify(shell)).not.toMatch(/\b(kubernetes|aws|random|helm)_[a-z_0-9]+\.[a-z_]/);
  });
});

describe("HCL consumer (test/fixtures/hcl-consumer): its module arguments against the module's variables, types, validations and preconditions; not its providers or the module's resources", () => {
  const seedOutputs = ["namespace", "service_name", "service_fqdn", "connection_string", "grpc_connection_string", "http_port", "grpc_port"];
  let consumerTf: string;
  let hcl: string;
  /** Every consumer here calls module "qdrant" from ../terraform-module: one init serves them all. */
  let sharedInit: string;

  beforeAll(() => {
    hcl = join(root, "hcl");
    sharedInit = join(hcl, ".terraform-shared");
    writeModule(join(hcl, "terraform-module"), shell);
    // providers.tf (required_providers, provider blocks, EKS data sources) would make init download providers.
    const fixture = join(FIXTURES, "hcl-consumer");
    const tfFiles = readdirSync(fixture).filter((f) => f.endsWith(".tf") && f !== "providers.tf");
    expect(tfFiles).toEqual(["main.tf"]);
    consumerTf = readFileSync(join(fixture, "main.tf"), "utf8");
  });

  /** A copy of the consumer beside the shell (source = "../terraform-module"), optionally edited. */
  function consumer(name: string, main = consumerTf): string {
    const dir = join(hcl, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "main.tf"), main);
    return dir;
  }

  it("re-exports the seed's outputs and keeps its provider configuration in providers.tf", () => {
    for (const name of seedOutputs) expect(consumerTf).toContain(`value       = module.qdrant.${name}\n`);
    const providers = readFileSync(join(FIXTURES, "hcl-consumer/providers.tf"), "utf8");
    expect(providers).toMatch(/provider "kubernetes" \{/);
    expect(providers).toMatch(/provider "aws" \{/);
  });

  it("is formatted as `terraform fmt` writes it (which also parses providers.tf)", () => {
    const fmt = run("terraform", ["fmt", "-check", "-diff", "-no-color", join(FIXTURES, "hcl-consumer")], ROOT);
    expect(output(fmt)).toBe("exit 0\n\n");
  });

  it("plans and applies: every argument is a variable of the right type and passes the validations and preconditions", () => {
    const outputs = terraformApply(consumer("hcl-consumer"), { qdrant_api_key: API_KEY }, sharedInit);
    expect(outputs).toEqual({
      service_fqdn: "acme-corp-qdrant.qdrant.svc.cluster.local",
      connection_string: "http://acme-corp-qdrant.qdrant.svc.cluster.local:6333",
      grpc_connection_string: "http://acme-corp-qdrant.qdrant.svc.cluster.local:6334",
      http_port: 6333,
      grpc_port: 6334,
      // namespace and service_name come from resources: null in the shell, so Terraform leaves them out.
    });
  });

  it("a misspelt argument fails: Unsupported argument", () => {
    const { status, errors } = terraformPlan(consumer("typo", edit(consumerTf, /^(\s*)replicas(\s*)=/m, "$1replcas $2=")), { qdrant_api_key: API_KEY }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringContaining('Unsupported argument: An argument named "replcas" is not expected here. Did you mean "replicas"?')]);
  });

  it("a value of the wrong type fails: replicas = \"three\"", () => {
    const { status, errors } = terraformPlan(consumer("wrong-type", edit(consumerTf, /^(\s*replicas\s*=\s*)3$/m, '$1"three"')), { qdrant_api_key: API_KEY }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringMatching(/^Invalid value for input variable: .*module\.qdrant\.var\.replicas.*a number is required/)]);
  });

  it("a value the module's validation refuses fails with its message: storage_type = \"st1\"", () => {
    const [message] = validationMessages(files["variables.tf"], "storage_type");
    expect(message).toMatch(/^storage_type must be one of .*"gp3"/);
    const { status, errors } = terraformPlan(consumer("bad-storage-type", edit(consumerTf, /^(\s*storage_type\s*=\s*)"gp3"$/m, '$1"st1"')), { qdrant_api_key: API_KEY }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringContaining(`Invalid value for variable: ${message}`)]);
  });

  it("an API key shorter than 32 characters, passed through the sensitive root variable, fails with the module's message", () => {
    const [message] = validationMessages(files["variables.tf"], "api_key");
    expect(message).toContain("at least 32 characters");
    const { status, errors } = terraformPlan(consumer("short-api-key"), { qdrant_api_key: "x".repeat(31) }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringContaining(`Invalid value for variable: ${message}`)]);
    expect(errors.join("\n")).not.toContain("x".repeat(31)); // sensitive: Terraform does not print it
  });

  it("a cross-field rule (a lifecycle precondition in the module) fails with its message: backups without eks_cluster_name", () => {
    const preconditions = shell.output.module_preconditions.precondition as Json[];
    const message = preconditions.map((p) => p.error_message as string).find((m) => m.startsWith("eks_cluster_name is required for backups to AWS S3"));
    expect(message).toBeDefined();
    const { status, errors } = terraformPlan(consumer("no-eks-cluster", edit(consumerTf, /^\s*eks_cluster_name\s*=.*\n/m, "")), { qdrant_api_key: API_KEY }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([`Module output value precondition failed: ${message}`]);
  });

  it("a reference to an output the module does not have fails: Unsupported attribute", () => {
    const { status, errors } = terraformPlan(consumer("unknown-output", edit(consumerTf, /module\.qdrant\.service_fqdn\b/, "module.qdrant.service_url")), { qdrant_api_key: API_KEY }, sharedInit);
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringContaining('Unsupported attribute: This object does not have an attribute named "service_url".')]);
  });

  it("the module README's usage example plans too", () => {
    const usage = /```hcl\n(module "qdrant" \{[\s\S]*?\n\})\n```/.exec(files["README.md"])?.[1];
    expect(usage).toBeDefined();
    const main = [
      'variable "qdrant_api_key" {\n  type      = string\n  sensitive = true\n}',
      edit(usage as string, /^(\s*source\s*=\s*)".*?"/m, '$1"../terraform-module"'),
    ].join("\n\n");
    const { status, errors } = terraformPlan(consumer("readme-usage", main), { qdrant_api_key: API_KEY }, sharedInit);
    expect(errors).toEqual([]);
    expect(status).toBe(0);
  });

  it("NOT validated (Terraform's object conversion): a misspelt attribute inside an object value is dropped silently", () => {
    // tolerations = [{ operater = "Exists" }] plans: the attribute is discarded and operator takes its default.
    const { status, errors } = terraformPlan(consumer("object-attribute-typo", edit(consumerTf, /^(\s*)operator(\s*)=\s*"Equal"$/m, '$1operater$2= "Exists"')), { qdrant_api_key: API_KEY }, sharedInit);
    expect(errors).toEqual([]);
    expect(status).toBe(0);
  });
});

describe("CDKTF consumer (test/fixtures/cdktf-consumer): cdktf get bindings, strict TypeScript, synthesized module block; TypeScript cannot check list(object)/object values (typed any)", () => {
  let cdktf: string;
  let app: string;
  let generated: string;
  let synthesized: Json;
  /** One tsc run over main.ts, the variants below and the bindings (tsc's start-up and the bindings' check are most of a run). */
  let tsc: SpawnSyncReturns<string>;
  /** tsc's output as diagnostics: an unindented line with its indented continuation lines. */
  let tscOutput: string[];
  /** The variants that must not compile; everything else in the run must compile without a word from tsc. */
  const FAILING_VARIANTS = ["variant-replicas-string.ts", "variant-replicas-typo.ts", "variant-no-customer-name.ts"];
  const errorsIn = (file: string) => tscOutput.filter((text) => text.startsWith(`${file}(`));
  const notFromFailingVariants = () => tscOutput.filter((text) => !FAILING_VARIANTS.some((file) => text.startsWith(`${file}(`)));

  beforeAll(() => {
    cdktf = join(root, "cdktf");
    writeModule(join(cdktf, "terraform-module"), files["main.tf.json"]);
    app = join(cdktf, "cdktf-consumer");
    cpSync(join(FIXTURES, "cdktf-consumer"), app, { recursive: true, filter: (src) => !/[/\\](\.gen|node_modules|cdktf\.out)$|\.js$/.test(src) });
    symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
    const get = run(process.execPath, [CDKTF, "get"], app, 120000);
    if (get.status !== 0) throw new Error(`cdktf get failed: ${output(get)}`);
    generated = readFileSync(join(app, ".gen/modules/qdrant.ts"), "utf8");

    const main = readFileSync(join(app, "main.ts"), "utf8");
    const variants: Record<string, string> = {
      "variant-replicas-string.ts": edit(main, /replicas: 3,/, 'replicas: "3",'),
      "variant-replicas-typo.ts": edit(main, /replicas: 3,/, "replcas: 3,"),
      "variant-no-customer-name.ts": edit(main, /\n\s*customerName: "acme-corp",/, ""),
      "variant-camel-case.ts": edit(edit(main, /vector_size:/, "vectorSize:"), /hnsw_config:/, "hnswConfig:"),
    };
    for (const [file, text] of Object.entries(variants)) writeFileSync(join(app, file), text);
    // The app's own tsconfig.json (strict), with the variants added: each file's diagnostics carry its name.
    writeFileSync(join(app, "tsconfig.all.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["main.ts", ...Object.keys(variants), ".gen/**/*.ts"] }));
    tsc = run(process.execPath, [TSC, "-p", "tsconfig.all.json", "--pretty", "false"], app);
    tscOutput = `${tsc.stdout}\n${tsc.stderr}`.split(/\n(?! )/).filter((text) => text.trim() !== "");
  }, 150000);

  it("cdktf get types the scalar, map and list(string) variables; customer_name (no default) is the one required prop", () => {
    expect(generated).toContain("readonly customerName: string;");
    expect(generated).toContain("readonly replicas?: number;");
    expect(generated).toContain("readonly enableAuthentication?: boolean;");
    expect(generated).toContain("readonly commonLabels?: { [key: string]: string };");
    expect(generated).toContain("readonly nodeSelector?: { [key: string]: string };");
    expect(generated).toContain("readonly apiKey?: string;");
    expect(generated).toContain("readonly allowedCidrs?: string[];");
    // Every variable has a prop; required exactly when variables.tf gives no default.
    const props = new Map([...generated.matchAll(/^\s*readonly (\w+)(\??): /gm)].map((m) => [m[1], m[2] === "?"]));
    const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const blocks = files["variables.tf"].split(/\n(?=variable ")/).filter((b) => b.startsWith("variable "));
    expect(blocks.length).toBeGreaterThan(30);
    for (const block of blocks) {
      const name = /^variable "(\w+)"/.exec(block)?.[1] as string;
      expect([name, props.get(camel(name))]).toEqual([name, /^\s*default\s*=/m.test(block)]);
    }
  });

  it("cdktf limits: list(object) and object variables are `any` (not even any[]), enums plain string, number outputs getString", () => {
    for (const prop of ["collectionsConfig", "tolerations", "resources", "podSecurity"]) expect(generated).toContain(`readonly ${prop}?: any;`);
    expect(generated).toContain("readonly storageType?: string;");
    expect(generated).toMatch(/get serviceFqdnOutput\(\) \{\s*return this\.getString\('service_fqdn'\)/);
    expect(generated).toMatch(/get grpcPortOutput\(\) \{\s*return this\.getString\('grpc_port'\)/);
  });

  it("main.ts compiles under strict TypeScript against the bindings", () => {
    expect(errorsIn("main.ts")).toEqual([]);
    expect(notFromFailingVariants()).toEqual([]); // nor anything in the bindings or the configuration
    expect(existsSync(join(app, "main.js"))).toBe(true);
  });

  it("wrong prop types or names fail compilation: replicas: \"3\", replcas: 3, customerName left out", () => {
    expect(tsc.status).not.toBe(0);
    const errors = tscOutput.filter((text) => / error TS\d+:/.test(text));
    expect(errorsIn("variant-replicas-string.ts")).toEqual([expect.stringContaining("error TS2322: Type 'string' is not assignable to type 'number'.")]);
    expect(errorsIn("variant-replicas-typo.ts")).toEqual([expect.stringMatching(/error TS2561: .*'replcas' does not exist in type 'QdrantConfig'\. Did you mean to write 'replicas'\?/)]);
    expect(errorsIn("variant-no-customer-name.ts")).toEqual([expect.stringMatching(/error TS2345: [\s\S]*Property 'customerName' is missing/)]);
    expect(errors).toHaveLength(3);
  });

  it("cdktf synth writes the module block: local source as an asset, typed values, the output referencing module.qdrant", () => {
    const out = join(cdktf, "cdktf.out");
    const synth = run(process.execPath, [CDKTF, "synth", "--output", out], app, 120000);
    if (synth.status !== 0) throw new Error(`cdktf synth failed: ${output(synth)}`);
    synthesized = JSON.parse(readFileSync(join(out, "stacks/qdrant-consumer/cdk.tf.json"), "utf8")) as Json;
    const qdrant = synthesized.module.qdrant as Json;
    // cdktf copies a local module into the stack's assets; the copy is the module as written.
    expect(qdrant.source).toMatch(/^\.\/assets\/__cdktf_module_asset_[0-9A-F]+\/[0-9A-F]+$/);
    const asset = join(out, "stacks/qdrant-consumer", qdrant.source as string);
    expect(readFileSync(join(asset, "variables.tf"), "utf8")).toBe(files["variables.tf"]);
    expect(readFileSync(join(asset, "main.tf.json"), "utf8")).toBe(files["main.tf.json"]);
    expect(qdrant).toMatchObject({
      customer_name: "acme-corp",
      replicas: 3,
      enable_authentication: true,
      api_key: "${var.qdrant_api_key}",
      backup_s3_bucket: "my-qdrant-backups",
      eks_cluster_name: "my-eks-cluster",
      common_labels: { team: "search", "example.com/cost-center": "cc-1234" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "qdrant", effect: "NoSchedule" }],
    });
    expect(typeof qdrant.replicas).toBe("number");
    expect(typeof qdrant.enable_authentication).toBe("boolean");
    expect(qdrant.collections_config[0]).toMatchObject({ name: "support-tickets", vector_size: 768, hnsw_config: { m: 32, ef_construct: 200 } });
    expect(synthesized.output.service_fqdn.value).toBe("${module.qdrant.service_fqdn}");
    expect(synthesized.variable.qdrant_api_key).toMatchObject({ type: "string", sensitive: true });
  });

  it("Terraform plans the synthesized stack against the interface shell: the any-typed values fit the variables", () => {
    expect(synthesized).toBeDefined();
    const dir = join(cdktf, "plan");
    cpSync(join(cdktf, "cdktf.out/stacks/qdrant-consumer"), dir, { recursive: true });
    const stack = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as Json;
    delete stack.terraform.backend; // cdktf's local backend points into the consumer dir; keep the state here
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(stack));
    writeModule(join(dir, stack.module.qdrant.source as string), shell);
    const outputs = terraformApply(dir, { qdrant_api_key: API_KEY });
    expect(outputs).toEqual({
      service_fqdn: "acme-corp-qdrant.qdrant.svc.cluster.local",
      connection_string: "http://acme-corp-qdrant.qdrant.svc.cluster.local:6333",
      grpc_port: 6334, // a number in Terraform, though the binding's getter is getString
    });
  });

  it("NOT converted: camelCase keys inside an any-typed value compile and synthesize as written; Terraform then refuses them", () => {
    expect(errorsIn("variant-camel-case.ts")).toEqual([]);
    expect(notFromFailingVariants()).toEqual([]);
    // What `cdktf synth` sets for an app with a local module: the outdir and the relative module paths.
    const out = join(cdktf, "camel.out");
    const relative = JSON.stringify({ cdktfRelativeModules: ["../terraform-module"] });
    const synth = spawnSync(process.execPath, ["variant-camel-case.js"], { cwd: app, env: { ...env, CDKTF_OUTDIR: out, CDKTF_CONTEXT_JSON: relative }, encoding: "utf8", timeout: 60000 });
    expect(output(synth)).toBe("exit 0\n\n");
    const dir = join(out, "stacks/qdrant-consumer");
    const stack = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as Json;
    expect(stack.module.qdrant.collections_config[0]).toMatchObject({ vectorSize: 768, hnswConfig: { m: 32 } });
    delete stack.terraform.backend;
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(stack));
    writeModule(join(dir, stack.module.qdrant.source as string), shell);
    const { status, errors } = terraformPlan(dir, { qdrant_api_key: API_KEY });
    expect(status).not.toBe(0);
    expect(errors).toEqual([expect.stringMatching(/^Invalid value for input variable: .*module\.qdrant\.var\.collections_config.*attribute "vector_size" is required/s)]);
  });
});
