import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, TerraformVariable } from "cdktf";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { QdrantConfigError } from "../../lib/config/validate";
import { buildApp } from "../../stacks/app";
import { loadStackConfigs } from "../../stacks/config-files";

// Canary key values, supplied every way the project takes keys; none may reach any synthesized file.
const CANARY = "CANARY-d41d8cd98f00b204e9800998ecf8427e";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const CUSTOMER = "eksClusterName: {cluster}\nawsRegion: eu-west-1\nbackupEnabled: false\n";

describe("API keys never reach synthesized output", () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it("for every stack and every key source, with canary values in the environment", () => {
    const config = mkdtempSync(join(tmpdir(), "canary-config-"));
    cpSync(join(__dirname, "../../config"), config, { recursive: true });
    const sources: Record<string, string> = {
      "src-generate": "apiKeySource: generate\n",
      "src-variable": "apiKeySource: variable\n",
      "src-existing": "apiKeySource: existingSecret\napiKeySecretName: qdrant-keys\n",
      "src-secrets-manager": "apiKeySource: awsSecretsManager\napiKeySecretsManagerId: qdrant/keys\n",
      "src-old-version": "apiKeySource: variable\nqdrantVersion: v1.13.2\n",
    };
    for (const [name, text] of Object.entries(sources)) writeFileSync(join(config, "customers", `${name}.yaml`), CUSTOMER.replace("{cluster}", name) + text);
    for (const name of ["qdrant_api_key", "qdrant_read_only_api_key", "qdrant_alt_api_key"]) process.env[`TF_VAR_${name}`] = `${CANARY}-${name}`;
    process.env.QDRANT_API_KEY = CANARY;

    const outdir = mkdtempSync(join(tmpdir(), "canary-out-"));
    const app = buildApp(config, outdir);
    // A library user passing a key through a Terraform variable.
    const stack = new TerraformStack(app, "library-token");
    new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
    const key = new TerraformVariable(stack, "my_key", { type: "string", sensitive: true });
    new QdrantDeployment(stack, "qdrant", { customerName: "lib", backupEnabled: false, apiKey: key.stringValue });
    app.synth();

    const files = filesUnder(outdir);
    expect(files.filter((f) => f.endsWith("cdk.tf.json")).length).toBe(3 + Object.keys(sources).length + 1);
    for (const file of files) expect(readFileSync(file, "utf8")).not.toContain("CANARY");
  });

  it("rejects a literal key in a config file without repeating it", () => {
    const config = mkdtempSync(join(tmpdir(), "canary-literal-"));
    cpSync(join(__dirname, "../../config"), config, { recursive: true });
    writeFileSync(join(config, "customers", "leaky.yaml"), CUSTOMER.replace("{cluster}", "leaky") + `apiKey: ${CANARY}\n`);
    let error: unknown;
    try {
      loadStackConfigs(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QdrantConfigError);
    expect((error as Error).message).toContain("leaky.yaml: apiKey: is a literal key");
    expect((error as Error).message).not.toContain("CANARY");
  });

  it("rejects AWS-only features in the homelab file", () => {
    const config = mkdtempSync(join(tmpdir(), "homelab-aws-"));
    writeFileSync(join(config, "homelab.yaml"), "customerName: homelab\nbackupEnabled: false\napiKeySource: awsSecretsManager\napiKeySecretsManagerId: x\n");
    expect(() => loadStackConfigs(config)).toThrow("homelab.yaml: apiKeySource: needs AWS, which the homelab stack does not configure; use generate, variable or existingSecret");
  });
});
