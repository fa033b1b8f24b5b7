/**
 * The AWS half of every EKS stack (provider, EKS lookups, the ephemeral EKS token, IAM role and policy, bucket, Pod
 * Identity association) through `terraform validate` with the real hashicorp/aws 5.100.0 plugin from the machine's filesystem mirror.
 * The kubernetes/helm/random providers are not in the mirror, so their resources are left out of this check.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { requireTerraform } from "../helpers/terraform";
import { synthesizeModuleStack } from "../../lib/module/files";
import type { Json } from "../helpers/synth";

const MIRROR = process.env.TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
const PLUGIN = join(MIRROR, "registry.terraform.io/hashicorp/aws/5.100.0");
requireTerraform();
if (!existsSync(PLUGIN)) {
  throw new Error(`this test validates with the real hashicorp/aws 5.100.0 plugin, which is not under ${MIRROR}; point TF_PLUGIN_MIRROR at a filesystem mirror that has it (terraform providers mirror <dir> makes one)`);
}

/** Only what the aws provider owns: its resources, data sources and provider block, and the outputs using them. */
function awsHalf(stack: Json): Json {
  const pick = (blocks: Json = {}) => Object.fromEntries(Object.entries(blocks).filter(([type]) => type.startsWith("aws_")));
  const half: Json = { terraform: { required_providers: { aws: stack.terraform.required_providers.aws } }, provider: { aws: stack.provider.aws } };
  for (const key of ["data", "resource"]) if (Object.keys(pick(stack[key])).length > 0) half[key] = pick(stack[key]);
  // The EKS token (ephemeral, Terraform >= 1.10) and the kubernetes provider's reference to it, as a local.
  if (stack.ephemeral) Object.assign(half, { ephemeral: stack.ephemeral, locals: { kubernetes_token: stack.provider.kubernetes[0].token } });
  return half;
}

function validate(json: Json): Json {
  const dir = mkdtempSync(join(tmpdir(), "tf-validate-"));
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(json, null, 2));
  const cliConfig = join(dir, "terraform.rc");
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  execFileSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
  const run = spawnSync("terraform", ["validate", "-json", "-no-color"], { cwd: dir, env, encoding: "utf8" });
  return JSON.parse(run.stdout) as Json;
}

describe("terraform validate, AWS half of the EKS stacks", () => {
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

  it.each(["qdrant-acme-corp", "qdrant-globex", "qdrant-aws-all"])("%s is valid", (stackName) => {
    const stack = JSON.parse(readFileSync(join(outdir, "stacks", stackName, "cdk.tf.json"), "utf8")) as Json;
    const half = awsHalf(stack);
    const result = validate(half);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  }, 120000);
});

describe("terraform validate, AWS half of the module stack", () => {
  it("is valid: counted IAM role, policy and EKS lookups, indexed references, variables and their validations", () => {
    const module = synthesizeModuleStack() as Json;
    const half = awsHalf({ ...module, provider: { aws: { region: "eu-west-1" } } });
    const result = validate({ ...half, variable: module.variable, locals: module.locals });
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  }, 120000);
});
