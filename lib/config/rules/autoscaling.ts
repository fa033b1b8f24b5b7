/** Rules on autoscaling, an input only the CDKTF stacks take (the module has no variable for it). */
import type { CrossFieldRule, OneFace } from "./rule";

const STACKS_ONLY: OneFace = { only: "stacks", why: "autoscaling is a CDKTF-only input: ignore_changes on replicas cannot depend on a variable" };

export const autoscalingRules: CrossFieldRule[] = [
  {
    id: "autoscaling.needs-cluster-mode",
    field: "autoscaling.enabled",
    message: "needs cluster mode (`replicas` >= 2): a second single-node Qdrant would be a separate, empty database; set `replicas` to 2 or more",
    stacks: (p) => p.autoscaling?.enabled === true && p.replicas !== undefined && p.replicas < 2,
    module: STACKS_ONLY,
  },
  {
    id: "autoscaling.max-above-replicas",
    field: "autoscaling.maxReplicas",
    message: "must be greater than `replicas` ({replicas}), the autoscaler's minimum",
    values: { replicas: { stacks: (p) => p.replicas, module: "var.replicas" } },
    stacks: (p) => p.autoscaling?.enabled === true && p.replicas !== undefined && p.autoscaling.maxReplicas <= p.replicas,
    module: STACKS_ONLY,
  },
];
