/** Rules on cluster mode, an input only the CDKTF stacks take (the module always runs cluster mode). */
import type { CrossFieldRule } from "./rule";

export const clusterRules: CrossFieldRule[] = [
  {
    id: "cluster.several-pods-need-cluster-mode",
    field: "clusterMode",
    message: "cannot be false with `replicas` >= 2: several single-node Qdrants would be separate databases behind one Service; leave it unset (on with several pods) or set `replicas` to 1",
    stacks: (p) => p.clusterMode === false && p.replicas !== undefined && p.replicas > 1,
    module: { only: "stacks", why: "clusterMode is a CDKTF-only input: the module always runs cluster mode" },
  },
];
