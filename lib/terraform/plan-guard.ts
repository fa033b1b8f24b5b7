/**
 * The plan guard: reads a plan in Terraform's JSON format (`terraform show -json <planfile>`) and refuses one that
 * replaces or deletes what a running deployment cannot lose without downtime or data loss, unless the deployment's
 * `allowDestroy` input names that exact address. Each QdrantDeployment carries a marker (a `terraform_data`
 * resource `<id>_plan_guard`) whose input lists its guarded addresses and its allowDestroy entries, so the guard
 * reads both from the plan itself, for the stacks and for the module at any depth. An allowDestroy entry that the
 * plan does not use is refused too, so an acknowledgement cannot stay behind after its apply.
 * `tools/plan-guard.ts` is the command; `policies/qdrant-plan-guard.rego` the same rules for Terraform Cloud.
 * No cdktf here.
 */

/** Resource types guarded wherever they appear in a plan, with what losing one means. */
export const GUARDED_TYPES: Readonly<Record<string, string>> = {
  kubernetes_stateful_set_v1: "every Qdrant pod stops at once (the data volumes stay: their claims are retained)",
  kubernetes_persistent_volume_claim_v1: "the volume's claim is deleted, and with a Delete reclaim policy its data",
  aws_s3_bucket: "the backup bucket is deleted, with every backup in it",
  kubernetes_namespace_v1: "Kubernetes deletes everything in the namespace: the StatefulSet, its pods and the volumes' claims",
  random_password: "a new API key: clients using the old key get 401 until they have the new one",
};

/** Guarded by address only (through the marker): the API-key Secret. */
export const SECRET_CONSEQUENCE = "the API keys' Secret is deleted: pods that start meanwhile get no key, and generated keys change";

/**
 * Guarded against replacement only (through the marker's `rerun_guarded`): the restore Job. Creating it starts a
 * restore and deleting it ends one, both intended; replacing it (its pod spec changed: a new Qdrant version, image or
 * key) runs the restore again.
 */
export const RERUN_CONSEQUENCE =
  "the restore Job runs again and overwrites the collections with the backup, losing what was written since a restore that finished. Once a restore is done, remove backupRestoreTimestamp (the Job is deleted, not replaced); to restore another backup, or with backupRestoreReplaceIncompatible after a refusal, remove it and apply first, then set the new values";

/** The marker's resource type and the suffix of its name (`<id>_plan_guard`). */
export const MARKER_TYPE = "terraform_data";
export const MARKER_SUFFIX = "_plan_guard";

/** The marker's input: what one deployment guards, and what its allowDestroy input lets the next plan remove. */
export interface MarkerInput {
  deployment: string;
  guarded: string[];
  /** Addresses refused when replaced, not when deleted (absent from markers that list none). */
  rerun_guarded?: string[];
  allow_destroy: string[];
}

/** The parts of Terraform's JSON plan format the guard reads (format_version 1.x). */
export interface PlanJson {
  format_version?: string;
  resource_changes?: ResourceChange[];
}

export interface ResourceChange {
  address: string;
  module_address?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: string | number;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    replace_paths?: (string | number)[][];
  };
  action_reason?: string;
}

export interface Refusal {
  address: string;
  message: string;
}

export interface GuardResult {
  refusals: Refusal[];
  /** Guarded addresses the plan replaces or deletes with an allowDestroy entry naming them. */
  acknowledged: string[];
  /** The markers found (one per deployment in the plan). */
  deployments: string[];
}

const removes = (actions: string[]) => actions.includes("delete");
const inDeployment = (rc: Pick<ResourceChange, "type" | "name">) => `${rc.type}.${rc.name}`;
const moduleOf = (rc: ResourceChange) => rc.module_address ?? "";
const withModule = (module: string, address: string) => (module ? `${module}.${address}` : address);

function markerInput(rc: ResourceChange): MarkerInput | undefined {
  const value = (removes(rc.change.actions) && rc.change.after == null ? rc.change.before : rc.change.after) as { input?: Partial<MarkerInput> } | null | undefined;
  const input = value?.input;
  if (!input || typeof input !== "object") return undefined;
  return {
    deployment: String(input.deployment ?? rc.address),
    guarded: [...(input.guarded ?? [])],
    rerun_guarded: [...(input.rerun_guarded ?? [])],
    allow_destroy: [...(input.allow_destroy ?? [])],
  };
}

/** Terraform's action_reason values (JSON plan format), in words. */
const REASONS: Record<string, string> = {
  replace_because_tainted: "it is tainted",
  replace_by_request: "-replace asked for it",
  replace_because_cannot_update: "the provider cannot update it in place",
  delete_because_no_resource_config: "its block is no longer in the configuration",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_count_index: "its count no longer includes it",
  delete_because_each_key: "its for_each no longer includes it",
  delete_because_wrong_repetition: "it changed between count and for_each",
};

function describe(rc: ResourceChange): string {
  const replace = rc.change.actions.includes("create");
  const order = rc.change.actions[0] === "create" ? "create, then delete" : "delete, then create";
  const paths = (rc.change.replace_paths ?? []).map((p) => p.join(".")).filter(Boolean);
  const why = paths.length > 0 ? ` because of ${paths.join(", ")}` : rc.action_reason ? ` (${REASONS[rc.action_reason] ?? rc.action_reason})` : "";
  return replace ? `the plan replaces it (${order})${why}` : `the plan deletes it${why}`;
}

/** The guard's verdict on one plan. */
export function checkPlan(plan: PlanJson): GuardResult {
  const changes = plan.resource_changes ?? [];
  const markers = changes
    .filter((rc) => rc.mode === "managed" && rc.type === MARKER_TYPE && rc.name.endsWith(MARKER_SUFFIX))
    .flatMap((rc) => {
      const input = markerInput(rc);
      return input ? [{ module: moduleOf(rc), input, used: new Set<string>() }] : [];
    });
  const refusals: Refusal[] = [];
  const acknowledged: string[] = [];
  for (const rc of changes) {
    if (rc.mode !== "managed" || !removes(rc.change.actions)) continue;
    const local = inDeployment(rc);
    const owners = markers.filter((m) => m.module === moduleOf(rc));
    const guardedHere = owners.some((m) => m.input.guarded.includes(local));
    const rerun = rc.change.actions.includes("create") && owners.some((m) => m.input.rerun_guarded?.includes(local));
    const consequence = GUARDED_TYPES[rc.type] ?? (guardedHere ? SECRET_CONSEQUENCE : rerun ? RERUN_CONSEQUENCE : undefined);
    // An entry is used by any removal of its address (a plain delete of the restore Job too), as in the policy.
    const owner = owners.find((m) => m.input.allow_destroy.includes(local));
    owner?.used.add(local);
    if (consequence === undefined) continue;
    if (owner) {
      acknowledged.push(rc.address);
      continue;
    }
    const where = owners.length > 0 ? ` of ${owners.map((m) => m.input.deployment).join(", ")}` : "";
    refusals.push({
      address: rc.address,
      message:
        `${rc.address}: ${describe(rc)}: ${consequence}. If that is intended, add "${local}" to allowDestroy${where} ` +
        `(module: allow_destroy) for this apply and remove it afterwards; README "What a change does" has the procedure that avoids it.`,
    });
  }
  for (const m of markers) {
    for (const entry of m.input.allow_destroy) {
      if (m.used.has(entry)) continue;
      const address = withModule(m.module, entry);
      refusals.push({
        address,
        message:
          `${address}: allowDestroy of ${m.input.deployment} names it, but this plan neither replaces nor deletes it; ` +
          `remove the entry (an acknowledgement is for one apply, so it cannot stay behind and cover a later, unintended replacement).`,
      });
    }
  }
  return { refusals, acknowledged, deployments: markers.map((m) => m.input.deployment) };
}

/** The guard's report, one line per finding. */
export function formatResult(result: GuardResult): string {
  const lines = result.refusals.map((r) => `REFUSED ${r.message}`);
  for (const address of result.acknowledged) lines.push(`allowed ${address}: named in allowDestroy`);
  const scope = result.deployments.length > 0 ? result.deployments.join(", ") : "no QdrantDeployment marker found; guarded types only";
  lines.push(result.refusals.length > 0 ? `plan guard: ${result.refusals.length} refused (${scope})` : `plan guard: OK (${scope})`);
  return lines.join("\n");
}
