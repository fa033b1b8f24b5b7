/** Rules on network access: the NetworkPolicy's clients and egress, the external LoadBalancer's source ranges. */
import type { CrossFieldRule } from "./rule";

export const networkRules: CrossFieldRule[] = [
  {
    id: "network.clients-required",
    field: "networkPolicyClients",
    message:
      "is empty while `enableNetworkPolicy` is true, so no client could reach Qdrant; list the clients (`podSelector`, `namespaceSelector` or `cidr`), or set `enableNetworkPolicy: false`",
    stacks: (p) => p.enableNetworkPolicy === true && p.networkPolicyClients?.length === 0,
    module: "var.enable_network_policy && length(var.network_policy_clients) == 0",
  },
  {
    id: "network.cidrs-required",
    field: "allowedCidrs",
    message: "is required when `enableExternalAccess` is true: the source ranges the LoadBalancer accepts (an open LoadBalancer is never the default)",
    stacks: (p) => p.enableExternalAccess === true && p.allowedCidrs?.length === 0,
    module: "var.enable_external_access && length(var.allowed_cidrs) == 0",
  },
  {
    id: "network.egress-needs-policy",
    field: "restrictEgress",
    message: "needs `enableNetworkPolicy: true` (egress rules are NetworkPolicies)",
    stacks: (p) => p.restrictEgress === true && p.enableNetworkPolicy === false,
    module: "var.restrict_egress && !var.enable_network_policy",
  },
];
