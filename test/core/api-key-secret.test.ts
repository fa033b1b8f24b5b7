import { TerraformStack, Testing, TerraformVariable } from "cdktf";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { Json, qdrantContainer, resource, synthDeployment } from "../helpers/synth";
import { applyWithoutProviders, planScenarios, requireTerraform } from "../helpers/terraform";
import { synthesizeModuleStack } from "../../lib/module/files";
import { KEY_LENGTH_POSTCONDITION } from "../../lib/core/api-key-secret";

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
    // Both keys required; alt-api-key (rotation) an entry only when the JSON has it, not empty.
    const secret = "jsondecode(data.aws_secretsmanager_secret_version.qdrant_api_key.secret_string)";
    expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").data).toBe(
      `\${merge({ "api-key" = ${secret}["api-key"], "read-only-api-key" = ${secret}["read-only-api-key"] }, { for k, v in { "alt-api-key" = lookup(${secret}, "alt-api-key", "") } : k => v if v != "" })}`,
    );
    expect(envNames(json)).toEqual(["QDRANT__SERVICE__API_KEY", "QDRANT__SERVICE__READ_ONLY_API_KEY", "QDRANT__SERVICE__ALT_API_KEY"]);
    const old = synthDeployment({ apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme", qdrantVersion: "v1.16.0" });
    expect(resource(old, "kubernetes_secret_v1", "qdrant_api_key").data).toEqual({
      "api-key": `\${${secret}["api-key"]}`,
      "read-only-api-key": `\${${secret}["read-only-api-key"]}`,
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

/**
 * Key rotation in cluster mode with internal auth on, checked against Qdrant's rules (v1.18+): a peer sends its own
 * api_key on every internal request (lib/api/src/grpc/transport_channel_pool.rs, PoolInterceptor; Raft messages in
 * src/consensus.rs) and, with enforce_internal_auth, accepts a request carrying its api_key or alt_api_key
 * (src/common/auth/mod.rs, AuthKeys::try_create); an empty key counts as unset (src/main.rs). During a rolling update
 * pods of the old and the new configuration run side by side, so each step must keep both talking to each other,
 * and accept the key the clients use at that point. Each step's Secret data is computed by terraform from the
 * synthesized expression, and each pod's keys follow from the container's env.
 */
describe("key rotation, step by step (cluster mode, internal auth on)", () => {
  requireTerraform();
  interface Peer {
    apiKey?: string;
    altApiKey?: string;
    enforce: boolean;
  }
  const accepts = (receiver: Peer, key: string | undefined) => !receiver.enforce || (key !== undefined && (key === receiver.apiKey || key === receiver.altApiKey));
  /** What goes wrong while pods of `before` and `after` run side by side, and for clients sending `clientKey`. */
  function rolloutProblems(before: Peer, after: Peer, clientKey?: string): string[] {
    const problems: string[] = [];
    if (!accepts(after, before.apiKey)) problems.push("updated pods reject the peer traffic of pods not yet updated");
    if (!accepts(before, after.apiKey)) problems.push("pods not yet updated reject the peer traffic of updated pods");
    for (const [label, peer] of [["not yet updated", before], ["updated", after]] as const) {
      if (clientKey !== undefined && clientKey !== peer.apiKey && clientKey !== peer.altApiKey) problems.push(`pods ${label} reject the clients' key`);
    }
    return problems;
  }

  /** The pod's keys: each env entry read from the Secret (optional entries may be missing), and the ConfigMap's enforcement. */
  function peerOf(json: Json, secret: Record<string, string>): Peer {
    const container = qdrantContainer(json);
    // The module writes the env as dynamic blocks (the key entries follow enable_authentication, on here).
    const env = (container.env ?? (container.dynamic.env as Json[]).map((d) => d.content)) as Json[];
    const key = (name: string): string | undefined => {
      const ref = env.find((e) => e.name === name)?.value_from.secret_key_ref;
      if (!ref) return undefined;
      const value = secret[ref.key];
      if (value === undefined && !ref.optional) throw new Error(`the pod cannot start: the Secret has no ${ref.key}`);
      return value === "" ? undefined : value;
    };
    const enforce = resource(json, "kubernetes_config_map_v1", "qdrant_config").data.QDRANT__SERVICE__ENFORCE_INTERNAL_AUTH === "true";
    return { apiKey: key("QDRANT__SERVICE__API_KEY"), altApiKey: key("QDRANT__SERVICE__ALT_API_KEY"), enforce };
  }

  /** Each case's Secret data with the given references replaced by values, in one terraform run. */
  function secretData(cases: { data: unknown; values: Record<string, string> }[]): Record<string, string>[] {
    const variable: Json = {};
    const vars: Json = {};
    const output: Json = {};
    cases.forEach((c, i) => {
      let text = JSON.stringify(c.data);
      for (const [reference, value] of Object.entries(c.values).sort(([a], [b]) => b.length - a.length)) {
        const name = `c${i}_${Object.keys(variable).length}`;
        text = text.split(reference).join(`var.${name}`);
        variable[name] = { type: "string" };
        vars[name] = value;
      }
      output[`c${i}`] = { value: JSON.parse(text) };
    });
    const result = applyWithoutProviders({ variable, output }, vars);
    if (!result.outputs) throw new Error(result.stderr);
    return cases.map((_, i) => result.outputs?.[`c${i}`] as Record<string, string>);
  }

  const cluster = { replicas: 3 };
  const variableJson = synthDeployment({ ...cluster, apiKeySource: "variable" });
  const managerJson = synthDeployment({ ...cluster, apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme" });
  const existingJson = synthDeployment({ ...cluster, apiKeySource: "existingSecret", apiKeySecretName: "acme-keys" });
  const generated = { on: synthDeployment(cluster), off: synthDeployment({ ...cluster, enforceInternalAuth: false }) };
  const dataOf = (json: Json) => resource(json, "kubernetes_secret_v1", "qdrant_api_key").data;
  // The Terraform module: the key source is a variable, the Secret data one conditional over every source.
  const moduleJson = synthesizeModuleStack() as Json;

  const OLD = "old-key-".padEnd(40, "o");
  const NEW = "new-key-".padEnd(40, "n");
  const RO = "read-only-".padEnd(40, "r");
  // The documented procedure (README, "Rotating a key"): the new key as alternate, clients switch, the swap
  // (new key, old key as alternate), then the alternate dropped. [api-key, alt-api-key] per step.
  const steps: [string, string][] = [
    [OLD, ""],
    [OLD, NEW],
    [NEW, OLD],
    [NEW, ""],
  ];
  const clientKeyDuring = [OLD, NEW, NEW]; // clients switch once every pod accepts NEW (after the first rollout)
  const variableValues = ([api, alt]: [string, string]) => ({ "var.qdrant_api_key": api, "var.qdrant_alt_api_key": alt, "var.qdrant_read_only_api_key": RO });
  const managerValues = ([api, alt]: [string, string]) => ({
    "data.aws_secretsmanager_secret_version.qdrant_api_key.secret_string": JSON.stringify({ "api-key": api, "read-only-api-key": RO, ...(alt ? { "alt-api-key": alt } : {}) }),
  });
  const generatedValues = (key: string) => ({ "random_password.qdrant_api_key.result": key, "random_password.qdrant_read_only_api_key.result": RO });
  const evaluated = secretData([
    ...steps.map((step) => ({ data: dataOf(variableJson), values: variableValues(step) })),
    ...steps.map((step) => ({ data: dataOf(managerJson), values: managerValues(step) })),
    ...[OLD, NEW].map((key) => ({ data: dataOf(generated.on), values: generatedValues(key) })),
    // The one-rollout switch the runbook used to prescribe: from [OLD, NEW] straight to [NEW, none].
    { data: dataOf(variableJson), values: variableValues([NEW, ""]) },
    ...steps.map((step) => ({
      data: dataOf(moduleJson),
      values: {
        "var.api_key_source": "awsSecretsManager",
        "var.api_key": "",
        "random_password.qdrant_api_key[0].result": "unused",
        "random_password.qdrant_read_only_api_key[0].result": "unused",
        ...Object.fromEntries(Object.entries(managerValues(step)).map(([k, v]) => [k.replace("qdrant_api_key.", "qdrant_api_key[0]."), v])),
      },
    })),
  ]);
  const peers = {
    variable: steps.map((_, i) => peerOf(variableJson, evaluated[i])),
    awsSecretsManager: steps.map((_, i) => peerOf(managerJson, evaluated[steps.length + i])),
    // A Secret the user edits: the same entries, written by hand.
    existingSecret: steps.map(([api, alt]) => peerOf(existingJson, { "api-key": api, "read-only-api-key": RO, ...(alt ? { "alt-api-key": alt } : {}) })),
    // The module's ConfigMap is an expression (enforcement is on for these inputs; test/module checks it).
    "module, awsSecretsManager": steps.map((_, i) => ({ ...peerOf(moduleJson, evaluated[evaluated.length - steps.length + i]), enforce: true })),
  };

  it.each(Object.keys(peers))("%s: every pod gets both keys, and each of the three rollouts keeps peers and clients working", (source) => {
    const sequence = peers[source as keyof typeof peers];
    expect(sequence.map((p) => [p.apiKey, p.altApiKey, p.enforce])).toEqual(steps.map(([api, alt]) => [api, alt || undefined, true]));
    for (let i = 0; i + 1 < sequence.length; i++) {
      expect([i + 1, rolloutProblems(sequence[i], sequence[i + 1], clientKeyDuring[i])]).toEqual([i + 1, []]);
    }
  });

  it("switching the key and dropping the alternate in one rollout stalls the cluster", () => {
    const [, withAlternate] = peers.variable;
    const switched = peerOf(variableJson, evaluated[2 * steps.length + 2]);
    expect(rolloutProblems(withAlternate, switched, NEW)).toEqual(["updated pods reject the peer traffic of pods not yet updated"]);
  });

  it("generate has one key: replacing it needs internal auth off for that rollout (clients get a window)", () => {
    const [oldOn, newOn] = evaluated.slice(2 * steps.length, 2 * steps.length + 2);
    const sequence = [peerOf(generated.on, oldOn), peerOf(generated.off, oldOn), peerOf(generated.off, newOn), peerOf(generated.on, newOn)];
    expect(sequence.map((p) => p.enforce)).toEqual([true, false, false, true]);
    for (let i = 0; i + 1 < sequence.length; i++) expect([i + 1, rolloutProblems(sequence[i], sequence[i + 1])]).toEqual([i + 1, []]);
    // With internal auth on, the replaced key splits the cluster.
    expect(rolloutProblems(sequence[0], sequence[3])).toEqual([
      "updated pods reject the peer traffic of pods not yet updated",
      "pods not yet updated reject the peer traffic of updated pods",
    ]);
  });
});

describe("keys shorter than 32 characters or with characters a peer cannot send, from any source", () => {
  requireTerraform();

  it("every Terraform-managed Secret (stacks and module) carries the postcondition over its own data", () => {
    const manager = synthDeployment({ eksClusterName: "eks", apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme" });
    for (const json of [manager, synthDeployment({ apiKeySource: "generate" }), synthDeployment({ apiKeySource: "variable" }), synthesizeModuleStack() as Json]) {
      expect(resource(json, "kubernetes_secret_v1", "qdrant_api_key").lifecycle.postcondition).toEqual([
        { condition: KEY_LENGTH_POSTCONDITION.condition, error_message: KEY_LENGTH_POSTCONDITION.errorMessage },
      ]);
    }
  });

  it("refuses at plan an empty or short key, or one with a line break or a non-ASCII character (e.g. from a Secrets Manager secret's JSON), naming no key", () => {
    const long = (c: string) => c.repeat(40);
    const cases: Record<string, Record<string, string>> = {
      ok: { "api-key": long("a"), "read-only-api-key": long("r") },
      ok_with_alternate: { "api-key": long("a"), "read-only-api-key": long("r"), "alt-api-key": long("n") },
      empty_read_write: { "api-key": "", "read-only-api-key": long("r") },
      short_read_only: { "api-key": long("a"), "read-only-api-key": "r".repeat(31) },
      short_alternate: { "api-key": long("a"), "read-only-api-key": long("r"), "alt-api-key": "new" },
      // A secret written from a file often ends with a line break; gRPC metadata cannot carry it.
      line_break: { "api-key": `${long("a")}\n`, "read-only-api-key": long("r") },
      not_ascii: { "api-key": long("a"), "read-only-api-key": `${long("r")}é` },
    };
    // The same condition on a built-in resource whose input is the Secret's data (self.data -> self.input).
    const files = {
      "main.tf.json": JSON.stringify({
        variable: { data: { type: "map(string)", sensitive: true } },
        resource: {
          terraform_data: {
            secret: {
              input: "${var.data}",
              lifecycle: { postcondition: [{ condition: KEY_LENGTH_POSTCONDITION.condition.replace("self.data", "self.input"), error_message: KEY_LENGTH_POSTCONDITION.errorMessage }] },
            },
          },
        },
      }),
    };
    const planned = planScenarios(Object.fromEntries(Object.entries(cases).map(([name, data]) => [name, { files, vars: { data } }])));
    const refusals = Object.fromEntries(Object.entries(planned).map(([name, diagnostics]) => [name, diagnostics.map((d) => `${d.summary}: ${d.detail}`)]));
    const refused = [`Resource postcondition failed: ${KEY_LENGTH_POSTCONDITION.errorMessage}`];
    expect(refusals).toEqual({ ok: [], ok_with_alternate: [], empty_read_write: refused, short_read_only: refused, short_alternate: refused, line_break: refused, not_ascii: refused });
  });
});
