/** Rules on object names: what customerName and resourceName make of them. */
import type { QdrantInputs } from "../schema";
import { isUnresolvedToken } from "../tokens";
import type { CrossFieldRule, Parsed } from "./rule";

/** Kubernetes limits object names: StatefulSet pods carry a 63-character label, CronJob names 52. */
export const MAX_RESOURCE_NAME_LENGTH = 45;

export function resourceNameOf(inputs: Pick<QdrantInputs, "customerName" | "resourceName">): string {
  return inputs.resourceName ?? `${inputs.customerName}-qdrant`;
}

const WHY = `at most ${MAX_RESOURCE_NAME_LENGTH}, because "{name}-backup" (a CronJob) must fit Kubernetes' 52-character limit`;
const DERIVED = 'format("%s-qdrant", var.customer_name)';
const derived = (p: Parsed) => `${p.customerName}-qdrant`;

export const nameRules: CrossFieldRule[] = [
  {
    id: "names.customer-name-length",
    field: "customerName",
    message: `makes the object name "{name}" {length} characters long; ${WHY}; choose a shorter \`customerName\` (or set \`resourceName\`)`,
    values: {
      name: { stacks: derived, module: DERIVED },
      length: { stacks: (p) => derived(p).length, module: `length(${DERIVED})` },
    },
    stacks: (p) =>
      p.customerName !== undefined && p.resourceName === undefined && !isUnresolvedToken(p.customerName) && derived(p).length > MAX_RESOURCE_NAME_LENGTH,
    module: `var.resource_name == null && length(${DERIVED}) > ${MAX_RESOURCE_NAME_LENGTH}`,
  },
  {
    id: "names.resource-name-length",
    field: "resourceName",
    message: `makes the object name "{name}" {length} characters long; ${WHY}; choose a shorter \`resourceName\``,
    values: {
      name: { stacks: (p) => p.resourceName, module: "var.resource_name" },
      length: { stacks: (p) => p.resourceName?.length, module: "length(var.resource_name)" },
    },
    stacks: (p) => p.resourceName !== undefined && !isUnresolvedToken(p.resourceName) && p.resourceName.length > MAX_RESOURCE_NAME_LENGTH,
    module: `var.resource_name != null && try(length(var.resource_name) > ${MAX_RESOURCE_NAME_LENGTH}, false)`,
  },
];
