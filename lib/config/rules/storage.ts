/** Rules on the Qdrant container's resources and on its volumes and StorageClass. */
import { hclQuantity } from "../../module/variable-types";
import { parseQuantity } from "../kubernetes-formats";
import { isUnresolvedToken } from "../tokens";
import type { CrossFieldRule, Parsed, Raw } from "./rule";

const GI = 2 ** 30;

/** a < b for two quantities; false when either is an expression or not a quantity (the field checks report that). */
function below(a: string | undefined, b: string | number | undefined): boolean {
  if (a === undefined || b === undefined || isUnresolvedToken(a) || isUnresolvedToken(b)) return false;
  const x = parseQuantity(a);
  const y = typeof b === "number" ? b : parseQuantity(b);
  return x !== undefined && y !== undefined && x < y;
}

function limitAtLeastRequest(kind: "cpu" | "memory"): CrossFieldRule {
  const request = (p: Parsed) => p.resources?.requests?.[kind];
  return {
    id: `resources.${kind}-limit-below-request`,
    field: `resources.limits.${kind}`,
    message: `is below \`resources.requests.${kind}\` "{request}"; a limit must be at least the request`,
    values: { request: { stacks: request, module: `var.resources.requests.${kind}` } },
    stacks: (p: Parsed, _item, raw: Raw) => {
      // With sizing (CDKTF only), a defaulted memory request or limit comes from the estimate and bends to the other.
      const explicit = raw.resources as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
      if (kind === "memory" && p.sizing !== undefined && (explicit?.requests?.memory === undefined || explicit?.limits?.memory === undefined)) return false;
      return below(p.resources?.limits?.[kind], request(p));
    },
    module: `try(${hclQuantity(`var.resources.limits.${kind}`)} < ${hclQuantity(`var.resources.requests.${kind}`)}, false)`,
  };
}

function atLeastOneGi(field: "storageSize" | "snapshotStorageSize", variable: string): CrossFieldRule {
  return {
    id: `storage.${field === "storageSize" ? "data" : "snapshot"}-volume-at-least-1gi`,
    field,
    message: 'is below 1Gi; use at least "1Gi" (EBS volumes start at 1 GiB)',
    stacks: (p) => below(p[field], GI),
    module: `${variable} != null && try(${hclQuantity(variable)} < ${GI}, false)`,
  };
}

const EXISTING_CLASS = "only applies to the StorageClass this module creates, but `storageClassName` selects an existing one; remove one of the two";

export const storageRules: CrossFieldRule[] = [
  limitAtLeastRequest("cpu"),
  limitAtLeastRequest("memory"),
  {
    id: "storage.type-with-existing-class",
    field: "storageType",
    message: EXISTING_CLASS,
    stacks: (p, _item, raw) => p.storageClassName !== undefined && raw.storageType !== undefined,
    module: 'var.storage_class_name != null && var.storage_type != "gp3"',
    moduleGap: 'a variable cannot tell an explicit storage_type = "gp3" from its default, so the module ignores that one',
  },
  {
    id: "storage.iops-with-existing-class",
    field: "storageIops",
    message: EXISTING_CLASS,
    stacks: (p) => p.storageClassName !== undefined && p.storageIops !== undefined,
    module: "var.storage_class_name != null && var.storage_iops != null",
  },
  {
    id: "storage.iops-required",
    field: "storageIops",
    message: 'is required when `storageType` is "{type}" (provisioned-IOPS volumes need an IOPS figure)',
    values: { type: { stacks: (p) => p.storageType, module: "var.storage_type" } },
    stacks: (p) => p.storageClassName === undefined && (p.storageType === "io1" || p.storageType === "io2") && p.storageIops === undefined,
    module: 'var.storage_class_name == null && contains(["io1", "io2"], var.storage_type) && var.storage_iops == null',
  },
  {
    id: "storage.iops-with-gp2",
    field: "storageIops",
    message: 'cannot be set for `storageType` "gp2"; use gp3 for configurable IOPS',
    stacks: (p) => p.storageIops !== undefined && p.storageType === "gp2",
    module: 'var.storage_iops != null && var.storage_type == "gp2"',
  },
  atLeastOneGi("storageSize", "var.storage_size"),
  atLeastOneGi("snapshotStorageSize", "var.snapshot_storage_size"),
];
