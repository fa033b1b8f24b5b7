# The Qdrant plan guard for Terraform Cloud / HCP Terraform (an OPA policy set; policies.hcl lists it). The same rules
# as the local command (lib/terraform/plan-guard.ts, `npm run plan-guard`): a plan may not replace or delete a
# StatefulSet, PVC, S3 bucket, namespace, random_password, or an address a QdrantDeployment's marker
# (terraform_data.<id>_plan_guard) lists as guarded, unless that deployment's allowDestroy (module: allow_destroy)
# names it; a plan may not replace (delete and create) an address the marker lists as rerun_guarded (the restore
# Job: replacing it restores again), unless allowDestroy names it; and an allowDestroy entry the plan does not use
# is refused too. HCP Terraform passes the JSON plan as
# input.plan. Locally: opa eval -d policies/ -i <(jq '{plan: .}' plan.json) 'data.terraform.policies.qdrant_plan_guard.deny'
package terraform.policies.qdrant_plan_guard

import rego.v1

guarded_types := {
	"kubernetes_stateful_set_v1": "every Qdrant pod stops at once (the data volumes stay: their claims are retained)",
	"kubernetes_persistent_volume_claim_v1": "the volume's claim is deleted, and with a Delete reclaim policy its data",
	"aws_s3_bucket": "the backup bucket is deleted, with every backup in it",
	"kubernetes_namespace_v1": "Kubernetes deletes everything in the namespace: the StatefulSet, its pods and the volumes' claims",
	"random_password": "a new API key: clients using the old key get 401 until they have the new one",
}

secret_consequence := "the API keys' Secret is deleted: pods that start meanwhile get no key, and generated keys change"

rerun_consequence := "the restore Job runs again and overwrites the collections with the backup, losing what was written since a restore that finished. Once a restore is done, remove backupRestoreTimestamp (the Job is deleted, not replaced); to restore another backup, or with backupRestoreReplaceIncompatible after a refusal, remove it and apply first, then set the new values"

changes := input.plan.resource_changes

module_of(rc) := object.get(rc, "module_address", "")

local_address(rc) := sprintf("%s.%s", [rc.type, rc.name])

removes(rc) if "delete" in rc.change.actions

marker_input(rc) := rc.change.after.input if rc.change.after != null

marker_input(rc) := rc.change.before.input if rc.change.after == null

markers contains m if {
	some rc in changes
	rc.mode == "managed"
	rc.type == "terraform_data"
	endswith(rc.name, "_plan_guard")
	value := marker_input(rc)
	m := {
		"module": module_of(rc),
		"deployment": value.deployment,
		"guarded": value.guarded,
		"rerun_guarded": object.get(value, "rerun_guarded", []),
		"allow_destroy": value.allow_destroy,
	}
}

guarded_here(rc) if {
	some m in markers
	m.module == module_of(rc)
	local_address(rc) in m.guarded
}

consequence(rc) := guarded_types[rc.type]

consequence(rc) := secret_consequence if {
	not guarded_types[rc.type]
	guarded_here(rc)
}

rerun_guarded_here(rc) if {
	"create" in rc.change.actions
	some m in markers
	m.module == module_of(rc)
	local_address(rc) in m.rerun_guarded
}

consequence(rc) := rerun_consequence if {
	not guarded_types[rc.type]
	not guarded_here(rc)
	rerun_guarded_here(rc)
}

acknowledged(rc) if {
	some m in markers
	m.module == module_of(rc)
	local_address(rc) in m.allow_destroy
}

verb(rc) := "replaces it" if "create" in rc.change.actions

verb(rc) := "deletes it" if not "create" in rc.change.actions

deny contains msg if {
	some rc in changes
	rc.mode == "managed"
	removes(rc)
	c := consequence(rc)
	not acknowledged(rc)
	msg := sprintf(
		"%s: the plan %s: %s. If that is intended, add %q to allowDestroy (module: allow_destroy) for this apply and remove it afterwards.",
		[rc.address, verb(rc), c, local_address(rc)],
	)
}

used(m, entry) if {
	some rc in changes
	rc.mode == "managed"
	removes(rc)
	module_of(rc) == m.module
	local_address(rc) == entry
}

address_in(m, entry) := entry if m.module == ""

address_in(m, entry) := sprintf("%s.%s", [m.module, entry]) if m.module != ""

deny contains msg if {
	some m in markers
	some entry in m.allow_destroy
	not used(m, entry)
	msg := sprintf(
		"%s: allowDestroy of %s names it, but this plan neither replaces nor deletes it; remove the entry (an acknowledgement is for one apply).",
		[address_in(m, entry), m.deployment],
	)
}
