import { TerraformStack, Testing, TerraformVariable } from "cdktf";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { qdrantContainer, resource, synthDeployment } from "../helpers/synth";

const envNames = (json: Record<string, any>) => (qdrantContainer(json).env ?? []).map((e: { name: string }) => e.name);

describe("ApiKeySecret", () => {
  it("generates both keys with random_password and keeps them out of the JSON", () => {
    const json = synthDeployment({ apiKeySource: "generate" });
    expect(resource(json, "random_password", "qdrant_api_key")).toMatchObject({ length: 48, special: false });
    expect(resource(json, "random_password", "qdrant_read_only_api_key")).toMatchObject({ length: 48, special: false });
    const secret = resource(json, "kubernetes_secret_v1", "qdrant_api_key");
    expect(secret.metadata.name).toBe("acme-qdrant-api-key");
    expect(secret.data).toEqual({
      "api-key": "${random_password.qdrant_api_key.result}",
      "read-only-api-key": "${random_password.qdrant_read_only_api_key.result}",
    });
    expect(json.provider.random).toBeDefined();
    const secretRef = (key: string, optional?: boolean) => ({
      secret_key_ref: { name: "${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}", key, ...(optional ? { optional } : {}) },
    });
    expect(qdrantContainer(json).env).toEqual([
      { name: "QDRANT__SERVICE__API_KEY", value_from: secretRef("api-key") },
      { name: "QDRANT__SERVICE__READ_ONLY_API_KEY", value_from: secretRef("read-only-api-key") },
      // v1.17+: a second read-write key, read only when the Secret has it (rotation).
      { name: "QDRANT__SERVICE__ALT_API_KEY", value_from: secretRef("alt-api-key", true) },
    ]);
    expect(json.output.api_key_secret_name.value).toBe("${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}");
  });

  it("reads the keys from sensitive variables named after the seed's var.qdrant_api_key", () => {
    const json = synthDeployment({ apiKeySource: "variable" });
    expect(json.variable.qdrant_api_key).toMatchObject({ type: "string", sensitive: true, nullable: false });
    expect(json.variable.qdrant_read_only_api_key).toMatchObject({ type: "string", sensitive: true });
    expect(json.variable.qdrant_api_key.validation[0].condition).toBe("${length(var.qdrant_api_key) >= 32}");
    // The alt key (rotation, v1.17+) becomes an entry only when the variable is not empty.
    expect(json.variable.qdrant_alt_api_key).toMatchObject({ type: "string", sensitive: true, default: "" });
    expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").data).toBe(
      '${merge({ "api-key" = var.qdrant_api_key, "read-only-api-key" = var.qdrant_read_only_api_key }, { for k, v in { "alt-api-key" = var.qdrant_alt_api_key } : k => v if v != "" })}',
    );
    expect(json.resource.random_password).toBeUndefined();
  });

  it("has no alt key before Qdrant v1.17", () => {
    const json = synthDeployment({ apiKeySource: "variable", qdrantVersion: "v1.13.2" });
    expect(json.variable.qdrant_alt_api_key).toBeUndefined();
    expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").data).toEqual({
      "api-key": "${var.qdrant_api_key}",
      "read-only-api-key": "${var.qdrant_read_only_api_key}",
    });
    expect(envNames(json)).toEqual(["QDRANT__SERVICE__API_KEY", "QDRANT__SERVICE__READ_ONLY_API_KEY"]);
  });

  it("reads the keys from an AWS Secrets Manager secret's JSON", () => {
    const json = synthDeployment({ apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme" });
    expect(json.data.aws_secretsmanager_secret_version.qdrant_api_key.secret_id).toBe("qdrant/acme");
    expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").data).toEqual({
      "api-key": '${jsondecode(data.aws_secretsmanager_secret_version.qdrant_api_key.secret_string)["api-key"]}',
      "read-only-api-key": '${jsondecode(data.aws_secretsmanager_secret_version.qdrant_api_key.secret_string)["read-only-api-key"]}',
    });
  });

  it("restarts the pods when a key changes (a hash of the Secret data, never the key)", () => {
    const annotations = (props: object) => resource(synthDeployment(props), "kubernetes_stateful_set_v1", "qdrant").spec.template.metadata.annotations;
    expect(annotations({ apiKeySource: "generate" })["checksum/api-keys"]).toBe("${sha256(jsonencode(kubernetes_secret_v1.qdrant_api_key.data))}");
    expect(annotations({ apiKeySource: "existingSecret", apiKeySecretName: "keys" })["checksum/api-keys"]).toBeUndefined();
  });

  it("uses an existing Secret without creating one (the read-only key optional)", () => {
    const json = synthDeployment({ apiKeySource: "existingSecret", apiKeySecretName: "acme-keys" });
    expect(json.resource.kubernetes_secret_v1).toBeUndefined();
    expect(qdrantContainer(json).env[1].value_from.secret_key_ref).toEqual({ name: "acme-keys", key: "read-only-api-key", optional: true });
    expect(qdrantContainer(json).env[2].value_from.secret_key_ref).toEqual({ name: "acme-keys", key: "alt-api-key", optional: true });
  });

  it("accepts apiKey as a Terraform expression", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    const key = new TerraformVariable(stack, "my_key", { type: "string", sensitive: true });
    new QdrantDeployment(stack, "qdrant", { customerName: "acme", backupEnabled: false, apiKey: key.stringValue });
    const json = JSON.parse(Testing.synth(stack));
    expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").data).toEqual({ "api-key": "${var.my_key}" });
  });

  it("sets no key when authentication is off", () => {
    const json = synthDeployment({ enableAuthentication: false, apiKeySource: undefined });
    expect(envNames(json)).toEqual([]);
    expect(json.resource.kubernetes_secret_v1).toBeUndefined();
    expect(json.output.api_key_secret_name.value).toBe("");
  });
});
