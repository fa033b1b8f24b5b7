/**
 * The plan guard (lib/terraform/plan-guard.ts, tools/plan-guard.ts) on recorded plans: real `terraform show -json`
 * output with terraform_data stand-ins for the kubernetes, aws and random resources (test/fixtures/plans/record.sh
 * says how they were made), and one saved plan file read through `terraform show -json`. The Terraform Cloud policy
 * (policies/qdrant-plan-guard.rego) keeps the same rules; OPA cannot run here, so its constants are checked against
 * the command's.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPlan, GUARDED_TYPES, MARKER_SUFFIX, MARKER_TYPE, PlanJson, RERUN_CONSEQUENCE } from "../../lib/terraform/plan-guard";
import { planGuard } from "../../tools/plan-guard";
import { Json, resource, synthDeployment } from "../helpers/synth";
import { synthesizeModuleStack } from "../../lib/module/files";
import { requireTerraform } from "../helpers/terraform";

const FIXTURES = join(__dirname, "../fixtures/plans");
const plan = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as PlanJson;
const HINT = 'README "What a change does" has the procedure that avoids it.';

describe("plan guard on recorded plans", () => {
  it("passes a plan that only rolls the StatefulSet (an in-place update)", () => {
    const result = checkPlan(plan("rolls-statefulset.json"));
    expect(result).toEqual({ refusals: [], acknowledged: [], deployments: ["qdrant/acme-corp-qdrant"] });
  });

  it("refuses a plan that replaces the StatefulSet, naming why, what it does and the acknowledging input", () => {
    expect(checkPlan(plan("replaces-statefulset.json")).refusals).toEqual([
      {
        address: "kubernetes_stateful_set_v1.qdrant",
        message:
          "kubernetes_stateful_set_v1.qdrant: the plan replaces it (delete, then create) because of triggers_replace: every Qdrant pod stops at once (the data volumes stay: their claims are retained). " +
          `If that is intended, add "kubernetes_stateful_set_v1.qdrant" to allowDestroy of qdrant/acme-corp-qdrant (module: allow_destroy) for this apply and remove it afterwards; ${HINT}`,
      },
    ]);
  });

  it("passes the same plan when allowDestroy names the StatefulSet", () => {
    expect(checkPlan(plan("replaces-statefulset-allowed.json"))).toEqual({ refusals: [], acknowledged: ["kubernetes_stateful_set_v1.qdrant"], deployments: ["qdrant/acme-corp-qdrant"] });
  });

  it("passes the plan that creates the StatefulSet again after it was deleted with --cascade=orphan (docs/runbook.md, Grow the volumes)", () => {
    expect(checkPlan(plan("recreates-orphaned-statefulset.json"))).toEqual({ refusals: [], acknowledged: [], deployments: ["qdrant/acme-corp-qdrant"] });
  });

  it("refuses a plan that replaces the restore Job (it would restore again), passes it acknowledged, and passes the Job's removal", () => {
    expect(checkPlan(plan("replaces-restore-job.json")).refusals).toEqual([
      {
        address: "kubernetes_job_v1.qdrant_restore[0]",
        message:
          `kubernetes_job_v1.qdrant_restore[0]: the plan replaces it (delete, then create) because of triggers_replace: ${RERUN_CONSEQUENCE}. ` +
          `If that is intended, add "kubernetes_job_v1.qdrant_restore" to allowDestroy of qdrant/acme-corp-qdrant (module: allow_destroy) for this apply and remove it afterwards; ${HINT}`,
      },
    ]);
    expect(checkPlan(plan("replaces-restore-job-allowed.json"))).toEqual({
      refusals: [],
      acknowledged: ["kubernetes_job_v1.qdrant_restore[0]"],
      deployments: ["qdrant/acme-corp-qdrant"],
    });
    expect(checkPlan(plan("deletes-restore-job.json"))).toEqual({ refusals: [], acknowledged: [], deployments: ["qdrant/acme-corp-qdrant"] });
    // An entry left from an acknowledged replacement is used by the Job's removal (the policy's used() counts any removal).
    expect(checkPlan(plan("deletes-restore-job-allowed.json"))).toEqual({ refusals: [], acknowledged: [], deployments: ["qdrant/acme-corp-qdrant"] });
  });

  it("refuses an allowDestroy entry the plan does not use, so it cannot stay behind", () => {
    expect(checkPlan(plan("allowed-but-unused.json")).refusals).toEqual([
      {
        address: "kubernetes_stateful_set_v1.qdrant",
        message:
          "kubernetes_stateful_set_v1.qdrant: allowDestroy of qdrant/acme-corp-qdrant names it, but this plan neither replaces nor deletes it; remove the entry (an acknowledgement is for one apply, so it cannot stay behind and cover a later, unintended replacement).",
      },
    ]);
  });

  it("guards a deployment inside a module: the bucket and the API-key Secret (by the marker's list) refused, the acknowledged key allowed", () => {
    const result = checkPlan(plan("module-deletes-bucket-and-secret.json"));
    expect(result.acknowledged).toEqual(["module.qdrant.random_password.qdrant_api_key"]);
    expect(result.refusals.map((r) => r.message)).toEqual([
      `module.qdrant.aws_s3_bucket.qdrant_backup: the plan deletes it (its block is no longer in the configuration): the backup bucket is deleted, with every backup in it. If that is intended, add "aws_s3_bucket.qdrant_backup" to allowDestroy of qdrant/acme-corp-qdrant (module: allow_destroy) for this apply and remove it afterwards; ${HINT}`,
      `module.qdrant.kubernetes_secret_v1.qdrant_api_key[0]: the plan deletes it (its count no longer includes it): the API keys' Secret is deleted: pods that start meanwhile get no key, and generated keys change. If that is intended, add "kubernetes_secret_v1.qdrant_api_key" to allowDestroy of qdrant/acme-corp-qdrant (module: allow_destroy) for this apply and remove it afterwards; ${HINT}`,
    ]);
  });

  it("guards the dangerous types even without a marker (a plan of something else that holds them)", () => {
    const bare = plan("replaces-statefulset.json");
    bare.resource_changes = bare.resource_changes?.filter((rc) => rc.type !== MARKER_TYPE);
    const result = checkPlan(bare);
    expect(result.refusals.map((r) => r.address)).toEqual(["kubernetes_stateful_set_v1.qdrant"]);
    expect(result.refusals[0].message).toContain('add "kubernetes_stateful_set_v1.qdrant" to allowDestroy (module: allow_destroy)');
  });

  it("as a command: exit 1 and the refusals, exit 0 and OK, exit 2 without a plan", () => {
    expect(planGuard([join(FIXTURES, "replaces-statefulset.json")])).toEqual({
      code: 1,
      output: expect.stringMatching(/^REFUSED kubernetes_stateful_set_v1\.qdrant: the plan replaces it .*\nplan guard: 1 refused \(qdrant\/acme-corp-qdrant\)$/s) as unknown as string,
    });
    expect(planGuard([join(FIXTURES, "replaces-statefulset-allowed.json")])).toEqual({
      code: 0,
      output: "allowed kubernetes_stateful_set_v1.qdrant: named in allowDestroy\nplan guard: OK (qdrant/acme-corp-qdrant)",
    });
    expect(planGuard([]).code).toBe(2);
  });

  it("as a command, reads a saved plan file through terraform show -json", () => {
    requireTerraform();
    const dir = mkdtempSync(join(tmpdir(), "plan-guard-"));
    try {
      writeFileSync(
        join(dir, "main.tf"),
        'resource "terraform_data" "qdrant_plan_guard" {\n  input = { deployment = "cortex/qdrant", guarded = [], allow_destroy = [] }\n}\n',
      );
      const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
      for (const args of [["init", "-input=false"], ["plan", "-input=false", "-lock=false", "-out=plan.bin"]]) {
        const run = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8" });
        if (run.status !== 0) throw new Error(run.stderr);
      }
      expect(planGuard(["plan.bin"], dir)).toEqual({ code: 0, output: "plan guard: OK (cortex/qdrant)" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});

describe("the marker each deployment carries", () => {
  it("lists the deployment's guarded addresses and its allowDestroy entries", () => {
    const json = synthDeployment({ backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks", backupCreateBucket: true, allowDestroy: ["kubernetes_stateful_set_v1.qdrant"] });
    expect(resource(json, MARKER_TYPE, `qdrant${MARKER_SUFFIX}`).input).toEqual({
      deployment: "qdrant/acme-qdrant",
      guarded: [
        "aws_s3_bucket.qdrant_backup",
        "kubernetes_namespace_v1.qdrant",
        "kubernetes_secret_v1.qdrant_api_key",
        "kubernetes_stateful_set_v1.qdrant",
        "random_password.qdrant_api_key",
        "random_password.qdrant_read_only_api_key",
      ],
      rerun_guarded: ["kubernetes_job_v1.qdrant_restore"],
      allow_destroy: ["kubernetes_stateful_set_v1.qdrant"],
    });
  });

  it("lists the restore Job's address as guarded against replacement, declared or not, under the deployment's id", () => {
    const json = synthDeployment({ backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks", backupRestoreTimestamp: "latest" });
    expect(resource(json, MARKER_TYPE, `qdrant${MARKER_SUFFIX}`).input.rerun_guarded).toEqual(["kubernetes_job_v1.qdrant_restore"]);
    expect(resource(json, "kubernetes_job_v1", "qdrant_restore").spec).toBeDefined();
  });

  it("in the stacks, also puts prevent_destroy on each guarded resource allowDestroy does not name (plain cdktf deploy runs no guard)", () => {
    const json = synthDeployment({ backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks", backupCreateBucket: true, allowDestroy: ["kubernetes_stateful_set_v1.qdrant"] });
    const input = resource(json, MARKER_TYPE, `qdrant${MARKER_SUFFIX}`).input as { guarded: string[] };
    const prevented = Object.fromEntries(
      input.guarded.map((address) => {
        const [type, name] = address.split(".");
        return [address, resource(json, type, name).lifecycle?.prevent_destroy];
      }),
    );
    expect(prevented).toEqual({
      "aws_s3_bucket.qdrant_backup": true, // always: allowDestroy does not lift the bucket's own prevent_destroy
      "kubernetes_namespace_v1.qdrant": true,
      "kubernetes_secret_v1.qdrant_api_key": true,
      "kubernetes_stateful_set_v1.qdrant": undefined,
      "random_password.qdrant_api_key": true,
      "random_password.qdrant_read_only_api_key": true,
    });
    const module = synthesizeModuleStack() as Json;
    expect(resource(module, "kubernetes_stateful_set_v1", "qdrant").lifecycle.prevent_destroy).toBeUndefined();
  });

  it("in the module, takes allow_destroy from the variable", () => {
    const module = synthesizeModuleStack() as Json;
    const input = resource(module, MARKER_TYPE, `qdrant${MARKER_SUFFIX}`).input;
    expect(input.allow_destroy).toBe("${var.allow_destroy}");
    expect(input.guarded).toEqual(expect.arrayContaining(["kubernetes_persistent_volume_claim_v1.qdrant_backups", "aws_s3_bucket.qdrant_backup", "kubernetes_secret_v1.qdrant_api_key"]));
    expect(input.rerun_guarded).toEqual(["kubernetes_job_v1.qdrant_restore"]);
  });

  it("rejects an allowDestroy entry that is not an address in the deployment", () => {
    expect(() => synthDeployment({ allowDestroy: ["module.qdrant.kubernetes_stateful_set_v1.qdrant[0]"] })).toThrow(
      'allowDestroy[0]: must be a Terraform address in this deployment such as "kubernetes_stateful_set_v1.qdrant" (got "module.qdrant.kubernetes_stateful_set_v1.qdrant[0]")',
    );
  });
});

describe("the Terraform Cloud policy (policies/)", () => {
  const rego = readFileSync(join(__dirname, "../../policies/qdrant-plan-guard.rego"), "utf8");

  it("guards the same types, finds the same marker and reads the plan from input.plan", () => {
    const types = [...rego.matchAll(/^\s+"([a-z0-9_]+)": "[^"]+",?$/gm)].map((m) => m[1]);
    expect(types.sort()).toEqual(Object.keys(GUARDED_TYPES).sort());
    expect(rego).toContain(`rc.type == "${MARKER_TYPE}"`);
    expect(rego).toContain(`endswith(rc.name, "${MARKER_SUFFIX}")`);
    expect(rego).toContain("input.plan.resource_changes");
    expect(rego).toContain(`rerun_consequence := ${JSON.stringify(RERUN_CONSEQUENCE)}`);
    expect(rego).toContain('"rerun_guarded": object.get(value, "rerun_guarded", [])');
  });

  it("is listed in policies.hcl with a mandatory enforcement level", () => {
    const hcl = readFileSync(join(__dirname, "../../policies/policies.hcl"), "utf8");
    expect(hcl).toContain('query             = "data.terraform.policies.qdrant_plan_guard.deny"');
    expect(hcl).toContain('enforcement_level = "mandatory"');
  });
});
