/**
 * The AWS half of every EKS stack (provider, EKS lookups, the ephemeral EKS token, IAM role and policy, bucket, Pod
 * Identity association) through `terraform validate` with the real hashicorp/aws 5.100.0 plugin from the machine's filesystem mirror.
 * The kubernetes/helm/random providers are not in the mirror, so their resources are left out of this check.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { localsWithoutResources, requireTerraform } from "../helpers/terraform";
import { synthesizeModuleStack } from "../../lib/module/files";
import type { Json } from "../helpers/synth";

const MIRROR = process.env.TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
const PLUGIN = join(MIRROR, "registry.terraform.io/hashicorp/aws/5.100.0");
requireTerraform();
if (!existsSync(PLUGIN)) {
  throw new Error(`this test validates with the real hashicorp/aws 5.100.0 plugin, which is not under ${MIRROR}; point TF_PLUGIN_MIRROR at a filesystem mirror that has it (terraform providers mirror <dir> makes one)`);
}

const MODULE_STACK = "module-stack";
const EKS_STACKS = ["qdrant-acme-corp", "qdrant-globex", "qdrant-aws-all"];

/** Only what the aws provider owns: its resources, data sources and provider block, and the outputs using them. */
function awsHalf(stack: Json): Json {
  const pick = (blocks: Json = {}) => Object.fromEntries(Object.entries(blocks).filter(([type]) => type.startsWith("aws_")));
  const half: Json = { terraform: { required_providers: { aws: stack.terraform.required_providers.aws } }, provider: { aws: stack.provider.aws } };
  for (const key of ["data", "resource"]) if (Object.keys(pick(stack[key])).length > 0) half[key] = pick(stack[key]);
  // The EKS token (ephemeral, Terraform >= 1.10) and the kubernetes provider's reference to it, as a local.
  if (stack.ephemeral) Object.assign(half, { ephemeral: stack.ephemeral, locals: { kubernetes_token: stack.provider.kubernetes[0].token } });
  return half;
}

/**
 * One `terraform init` and one `terraform validate` for every configuration: starting the aws plugin (loading its
 * schema) is what a validate costs, once per run. The module stack is the root module, in its own file
 * (module-stack.tf.json), with its variables unset as before; each EKS stack's half is a child module in a
 * directory named after the stack, with its own provider block. Terraform reports a diagnostic with the file it
 * is about (range.filename), so each one is matched to its configuration.
 */
function validateAll(root: Json, modules: Record<string, Json>): Json {
  const dir = mkdtempSync(join(tmpdir(), "tf-validate-"));
  writeFileSync(join(dir, `${MODULE_STACK}.tf.json`), JSON.stringify({ ...root, module: Object.fromEntries(Object.keys(modules).map((name) => [name, { source: `./${name}` }])) }, null, 2));
  for (const [name, json] of Object.entries(modules)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "main.tf.json"), JSON.stringify(json, null, 2));
  }
  const cliConfig = join(dir, "terraform.rc");
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  execFileSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
  const run = spawnSync("terraform", ["validate", "-json", "-no-color"], { cwd: dir, env, encoding: "utf8" });
  return JSON.parse(run.stdout) as Json;
}

/** The configuration a diagnostic is about: the stack directory of its file, the module stack for the root file. */
function configurationOf(diagnostic: Json): string | undefined {
  const file = diagnostic.range?.filename as string | undefined;
  if (file === undefined) return undefined;
  return file.includes("/") ? file.split("/")[0] : file === `${MODULE_STACK}.tf.json` ? MODULE_STACK : undefined;
}

describe("terraform validate, AWS half of the EKS stacks and of the module stack (one run)", () => {
  const config = mkdtempSync(join(tmpdir(), "tf-config-"));
  cpSync(join(__dirname, "../../config"), config, { recursive: true });
  // Every AWS feature switched on somewhere: a created KMS-encrypted bucket with Pod Identity.
  writeFileSync(
    join(config, "customers", "aws-all.yaml"),
    [
      "eksClusterName: all-features",
      "awsRegion: eu-west-1",
      "apiKeySource: awsSecretsManager",
      "apiKeySecretsManagerId: qdrant/aws-all",
      "backupS3Bucket: aws-all-qdrant-backups",
      "backupCreateBucket: true",
      "backupKmsKeyArn: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "backupIdentity: podIdentity",
      "",
    ].join("\n"),
  );
  const outdir = mkdtempSync(join(tmpdir(), "tf-out-"));
  buildApp(config, outdir).synth();
  const stacks = Object.fromEntries(EKS_STACKS.map((name) => [name, awsHalf(JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Json)]));
  const module = synthesizeModuleStack() as Json;
  const moduleHalf = { ...awsHalf({ ...module, provider: { aws: { region: "eu-west-1" } } }), variable: module.variable, locals: localsWithoutResources(module.locals, ["kubernetes", "random"]) };

  let result: Json;
  beforeAll(() => {
    result = validateAll(moduleHalf, stacks);
  }, 120000);

  /** The diagnostics about one configuration, and those Terraform gave no file for (they could be anyone's). */
  const diagnosticsOf = (name: string) => (result.diagnostics as Json[]).filter((d) => [name, undefined].includes(configurationOf(d)));

  it.each(EKS_STACKS)("%s is valid", (stackName) => {
    expect(diagnosticsOf(stackName)).toEqual([]);
  });

  it("the module stack is valid: counted IAM role, policy and EKS lookups, indexed references, variables and their validations", () => {
    expect(diagnosticsOf(MODULE_STACK)).toEqual([]);
  });

  it("the run is valid, every diagnostic belonging to one of the configurations above", () => {
    expect((result.diagnostics as Json[]).map((d) => [configurationOf(d), d])).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
