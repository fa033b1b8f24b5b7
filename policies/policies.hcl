# HCP Terraform / Terraform Cloud policy set (OPA): see README "Plan guard" for attaching it to the workspaces.
policy "qdrant-plan-guard" {
  query             = "data.terraform.policies.qdrant_plan_guard.deny"
  enforcement_level = "mandatory"
}
