/**
 * The catalogue of cross-field rules: what one input allows depends on another. Each rule is written once in the
 * file of its area, with its TypeScript check (the CDKTF stacks: props and config files) and its HCL condition (the
 * Terraform module: a lifecycle precondition of the StatefulSet) side by side, and one message both faces print in
 * their own field names (rule.ts). A rule one face cannot run says so, and why. test/config/rules.test.ts runs
 * both faces on the same scenarios (the HCL through terraform) and asserts the same verdicts and messages.
 */
import { authenticationRules } from "./authentication";
import { autoscalingRules } from "./autoscaling";
import { backupRules } from "./backup";
import { clusterRules } from "./cluster";
import { collectionRules } from "./collections";
import { nameRules } from "./names";
import { networkRules } from "./network";
import { CrossFieldRule, moduleCondition, moduleMessage, Parsed, Problem, Raw, runsInModule, stacksProblems } from "./rule";
import { storageRules } from "./storage";

export { MAX_RESOURCE_NAME_LENGTH, resourceNameOf } from "./names";
export type { CrossFieldRule, Problem } from "./rule";

/** Every cross-field rule, in the order the stacks report their problems. */
export const RULE_CATALOGUE: readonly CrossFieldRule[] = [
  ...nameRules,
  ...storageRules,
  ...authenticationRules,
  ...backupRules,
  ...collectionRules,
  ...networkRules,
  ...autoscalingRules,
  ...clusterRules,
];

/**
 * The stacks' face: one function per rule over the fields that parsed (so every problem is reported in one pass,
 * even when other fields are wrong) and the raw input (to tell a default from a choice).
 */
export const CROSS_FIELD_RULES: ((p: Parsed, raw: Raw) => Problem[])[] = RULE_CATALOGUE.map((rule) => (p: Parsed, raw: Raw) => stacksProblems(rule, p, raw));

/** The module's face: a precondition per rule the module runs (HCL over `var.*`; the message an HCL template). */
export function moduleRules(): { id: string; condition: string; errorMessage: string }[] {
  return RULE_CATALOGUE.filter(runsInModule).map((rule) => ({ id: rule.id, condition: moduleCondition(rule), errorMessage: moduleMessage(rule) }));
}
