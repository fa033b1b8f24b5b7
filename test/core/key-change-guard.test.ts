import { createHash } from "node:crypto";
import { KEY_HASHES_ANNOTATION, keyChangeCheck } from "../../lib/core/key-change-guard";
import { synthesizeModuleStack } from "../../lib/module/files";
import { Json, resource, synthDeployment } from "../helpers/synth";
import { applyWithoutProviders, requireTerraform } from "../helpers/terraform";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const OLD = "old-key-".padEnd(40, "o");
const NEW = "new-key-".padEnd(40, "n");
/** The hashes the local holds for a Secret's [api-key, alt-api-key] (no alternate: that of "none"). */
const hashesOf = ([api, alt]: [string, string?]) => `${sha256(api)},${sha256(alt ?? "none")}`;

// On the Secret: a check Terraform can only make at apply (generated keys) still stops before the Secret changes.
const preconditionsOf = (json: Json) => (resource(json, "kubernetes_secret_v1", "qdrant_api_key").lifecycle.precondition ?? []) as Json[];
const keyCheckOf = (json: Json) => (json.resource?.kubernetes_secret_v1 ? preconditionsOf(json) : []).find((p) => String(p.condition).includes(KEY_HASHES_ANNOTATION));
const cluster = { replicas: 3, apiKeySource: "variable" as const };

describe("key-change guard: where it applies", () => {
  it("cluster mode with internal auth on: the keys' hashes in a local (from the keys' sources), on the StatefulSet (not its pods), and the Secret's precondition", () => {
    const json = synthDeployment(cluster);
    const data = 'merge({ "api-key" = var.qdrant_api_key, "read-only-api-key" = var.qdrant_read_only_api_key }, { for k, v in { "alt-api-key" = var.qdrant_alt_api_key } : k => v if v != "" })';
    expect(json.locals.qdrant_api_key_sha256).toBe(`\${nonsensitive(join(",", [sha256(lookup(${data}, "api-key", "none")), sha256(lookup(${data}, "alt-api-key", "none"))]))}`);
    expect(resource(json, "kubernetes_stateful_set_v1", "qdrant").lifecycle.precondition.map((p: Json) => p.condition).join()).not.toContain(KEY_HASHES_ANNOTATION);
    const sts = resource(json, "kubernetes_stateful_set_v1", "qdrant");
    expect(sts.metadata.annotations).toEqual({ [KEY_HASHES_ANNOTATION]: "${local.qdrant_api_key_sha256}" });
    expect(sts.spec.template.metadata.annotations[KEY_HASHES_ANNOTATION]).toBeUndefined();
    const objects = "data.kubernetes_resources.qdrant_running.objects";
    const check = keyChangeCheck(objects, "local.qdrant_api_key_sha256", "enforceInternalAuth");
    expect(keyCheckOf(json)).toEqual({ condition: check.condition, error_message: check.errorMessage });
  });

  it("nowhere peers do not check keys, or Terraform does not see them", () => {
    for (const props of [{}, { ...cluster, enforceInternalAuth: false }, { ...cluster, qdrantVersion: "v1.17.1" }, { replicas: 3, apiKeySource: "existingSecret" as const, apiKeySecretName: "keys" }, { replicas: 3, enableAuthentication: false }]) {
      const json = synthDeployment(props);
      expect([props, json.locals?.qdrant_api_key_sha256, keyCheckOf(json)]).toEqual([props, undefined, undefined]);
    }
  });

  it("the module: the local and the annotation follow its variables (empty while peers do not check keys, with one pod, or with an existingSecret)", () => {
    const json = synthesizeModuleStack() as Json;
    const local = json.locals.qdrant_api_key_sha256 as string;
    for (const part of ["(var.enable_authentication && var.enforce_internal_auth)", "(var.replicas > 1)", '!(var.api_key_source == "existingSecret")']) expect(local).toContain(part);
    expect(local).toContain('(var.api_key_source == "existingSecret") ? "" : nonsensitive(join(",", [sha256(lookup((var.api_key_source == "awsSecretsManager") ? merge(');
    expect(local).toMatch(/ : ""\}$/);
    expect(resource(json, "kubernetes_stateful_set_v1", "qdrant").metadata.annotations).toMatch(/\? \{"qdrant\.tech\/api-key-sha256" = local\.qdrant_api_key_sha256\} : \{\}\}$/);
    expect(keyCheckOf(json)?.error_message).toContain("set enforce_internal_auth to false in an apply of its own");
  });
});

describe("key-change guard through terraform", () => {
  requireTerraform();
  const objects = (annotation?: string) => [{ metadata: { name: "acme-qdrant", annotations: annotation === undefined ? {} : { [KEY_HASHES_ANNOTATION]: annotation } } }];
  const scenarios: Record<string, { running: Json[]; hashes: string }> = {
    first_deploy: { running: [], hashes: hashesOf([NEW]) },
    before_this_guard: { running: objects(), hashes: hashesOf([NEW]) },
    peers_did_not_check: { running: objects(""), hashes: hashesOf([NEW]) },
    peers_stop_checking: { running: objects(hashesOf([OLD])), hashes: "" },
    unchanged: { running: objects(hashesOf([OLD])), hashes: hashesOf([OLD]) },
    step_1_new_key_as_alternate: { running: objects(hashesOf([OLD])), hashes: hashesOf([OLD, NEW]) },
    step_2_swap: { running: objects(hashesOf([OLD, NEW])), hashes: hashesOf([NEW, OLD]) },
    step_3_alternate_removed: { running: objects(hashesOf([NEW, OLD])), hashes: hashesOf([NEW]) },
    one_step_switch: { running: objects(hashesOf([OLD])), hashes: hashesOf([NEW]) },
    swap_skipped: { running: objects(hashesOf([OLD, NEW])), hashes: hashesOf([NEW]) },
    new_key_without_the_old: { running: objects(hashesOf([OLD])), hashes: hashesOf([NEW, NEW]) },
  };
  let outputs: Record<string, unknown>;
  let localHashes: Record<string, unknown>;
  beforeAll(() => {
    const locals: Json = {};
    const output: Json = {};
    Object.entries(scenarios).forEach(([name, { running, hashes }]) => {
      locals[`objects_${name}`] = running;
      locals[`hashes_${name}`] = hashes;
      output[name] = { value: keyChangeCheck(`local.objects_${name}`, `local.hashes_${name}`, "enforceInternalAuth").condition };
    });
    // The local's own expression for each key source, its references to the keys swapped for sensitive variables.
    const variable: Json = {};
    const vars: Json = {};
    const sensitiveVariable = (name: string, value: string) => {
      variable[name] = { type: "string", sensitive: true };
      vars[name] = value;
      return `var.${name}`;
    };
    const localOf = (props: Json, references: Record<string, string>) => {
      let text = synthDeployment({ replicas: 3, ...props }).locals.qdrant_api_key_sha256 as string;
      for (const [reference, replacement] of Object.entries(references)) text = text.split(reference).join(replacement);
      return text;
    };
    output.local_variable_without_alternate = {
      value: localOf({ apiKeySource: "variable" }, { "var.qdrant_api_key": sensitiveVariable("v_api", OLD), "var.qdrant_read_only_api_key": sensitiveVariable("v_ro", NEW), "var.qdrant_alt_api_key": sensitiveVariable("v_alt", "") }),
    };
    output.local_secrets_manager_with_alternate = {
      value: localOf(
        { apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme", eksClusterName: "eks" },
        { "data.aws_secretsmanager_secret_version.qdrant_api_key.secret_string": sensitiveVariable("sm_json", JSON.stringify({ "api-key": NEW, "alt-api-key": OLD, "read-only-api-key": OLD })) },
      ),
    };
    output.local_generated = {
      value: localOf({ apiKeySource: "generate" }, { "random_password.qdrant_api_key.result": sensitiveVariable("g_api", NEW), "random_password.qdrant_read_only_api_key.result": sensitiveVariable("g_ro", OLD) }),
    };
    const run = applyWithoutProviders({ variable, locals, output }, vars);
    if (!run.outputs) throw new Error(run.stderr);
    outputs = run.outputs;
    localHashes = { variable: outputs.local_variable_without_alternate, secretsManager: outputs.local_secrets_manager_with_alternate, generated: outputs.local_generated };
  }, 120000);

  it("the local holds the sha256 of api-key and alt-api-key (that of \"none\" without one)", () => {
    expect(localHashes).toEqual({ variable: hashesOf([OLD]), secretsManager: hashesOf([NEW, OLD]), generated: hashesOf([NEW]) });
  });

  it("passes the three documented steps, a first deploy, and peers that do not check keys", () => {
    for (const name of ["first_deploy", "before_this_guard", "peers_did_not_check", "peers_stop_checking", "unchanged", "step_1_new_key_as_alternate", "step_2_swap", "step_3_alternate_removed"]) {
      expect([name, outputs[name]]).toEqual([name, true]);
    }
  });

  it("refuses a switch the running peers cannot follow", () => {
    for (const name of ["one_step_switch", "swap_skipped", "new_key_without_the_old"]) expect([name, outputs[name]]).toEqual([name, false]);
  });
});
