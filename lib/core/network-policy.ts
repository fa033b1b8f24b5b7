import {
  NetworkPolicyV1,
  NetworkPolicyV1SpecEgress,
  networkPolicyV1SpecEgressToTerraform,
  NetworkPolicyV1SpecIngress,
  networkPolicyV1SpecIngressToTerraform,
} from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Fn, Op } from "cdktf";
import { Construct } from "constructs";
import { addConditionalBlocks, choose, Condition, conditionOf, isDecided } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import type { QdrantInputs } from "../config/schema";
import { GRPC_PORT, HTTP_PORT, JOB_COMPONENTS, P2P_PORT, QdrantNames } from "./naming";

export interface QdrantNetworkPolicyProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
}

const tcp = (...ports: number[]) => ports.map((port) => ({ port: String(port), protocol: "TCP" }));

/**
 * One NetworkPolicy over the Qdrant pods. Selecting them denies every ingress not listed: clients on
 * 6333/6334, the monitoring namespace on the metrics port (6333 before v1.17), this deployment's own Jobs on 6333, the external
 * LoadBalancer's source ranges, and 6335 only from the other Qdrant peers (which may also use each other's
 * 6333 for shard snapshot transfers). With restrictEgress, the pods may only reach DNS and their peers.
 */
export class QdrantNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: QdrantNetworkPolicyProps) {
    super(scope, id);
    const { inputs, names } = props;
    const peers = { podSelector: { matchLabels: names.selectorLabels } };
    const clients = inputs.networkPolicyClients;
    const clientsFromVariable = isUnresolvedToken(clients);
    const external = conditionOf(inputs.enableExternalAccess);
    // In this order; the module stack's clients and external access are Terraform variables, whose rules are
    // Terraform content (a `from` per client, a `from` per CIDR) written as dynamic blocks with the others.
    const ingress: { when: Condition; rule: NetworkPolicyV1SpecIngress | (() => unknown) }[] = [
      clientsFromVariable
        ? { when: Op.gte(Fn.lengthOf(clients), 1), rule: () => clientRule(clients) }
        : {
            when: clients.length > 0,
            rule: {
              from: clients.map((c) =>
                c.cidr !== undefined
                  ? { ipBlock: { cidr: c.cidr } }
                  : {
                      podSelector: c.podSelector ? { matchLabels: c.podSelector } : undefined,
                      namespaceSelector: c.namespaceSelector ? { matchLabels: c.namespaceSelector } : undefined,
                    },
              ),
              ports: tcp(HTTP_PORT, GRPC_PORT),
            },
          },
      {
        when: true,
        rule: {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": inputs.monitoringNamespace } } }],
          ports: tcp(names.metricsPort ?? HTTP_PORT),
        },
      },
      {
        when: true,
        rule: {
          from: [
            {
              podSelector: {
                matchLabels: { "app.kubernetes.io/instance": names.resourceName },
                matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: [...JOB_COMPONENTS] }],
              },
            },
          ],
          ports: tcp(HTTP_PORT),
        },
      },
      isDecided(external)
        ? { when: external, rule: { from: inputs.allowedCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(HTTP_PORT, GRPC_PORT) } }
        : { when: external, rule: () => externalRule(inputs.allowedCidrs) },
      // Peers talk Raft and shard traffic on 6335, and fetch shard snapshots from each other's REST port.
      { when: names.clusterMode, rule: { from: [peers], ports: tcp(P2P_PORT, HTTP_PORT) } },
    ];
    const settled = ingress.every((r) => isDecided(r.when) && typeof r.rule !== "function");

    const restrictEgress = conditionOf(inputs.restrictEgress);
    const egressRules: NetworkPolicyV1SpecEgress[] = [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { port: "53", protocol: "UDP" },
          { port: "53", protocol: "TCP" },
        ],
      },
      ...(names.clusterMode ? [{ to: [peers], ports: tcp(P2P_PORT, HTTP_PORT) }] : []),
    ];

    const policy = new NetworkPolicyV1(this, "resource", {
      metadata: { name: names.resourceName, namespace: props.namespace, labels: names.labels },
      spec: {
        podSelector: { matchLabels: names.selectorLabels },
        policyTypes: choose(restrictEgress, ["Ingress", "Egress"], ["Ingress"]),
        ingress: settled ? ingress.filter((r) => r.when).map((r) => r.rule as NetworkPolicyV1SpecIngress) : undefined,
        egress: restrictEgress === true ? egressRules : undefined,
      },
    });
    if (!settled) {
      const content = (rule: NetworkPolicyV1SpecIngress | (() => unknown)) => (typeof rule === "function" ? rule() : networkPolicyV1SpecIngressToTerraform(rule));
      addConditionalBlocks(policy, "spec", "ingress", ingress.map((r) => ({ when: r.when, content: content(r.rule) })));
    }
    if (!isDecided(restrictEgress)) {
      addConditionalBlocks(policy, "spec", "egress", egressRules.map((rule) => ({ when: restrictEgress, content: networkPolicyV1SpecEgressToTerraform(rule) })));
    }
  }
}

const ports = [HTTP_PORT, GRPC_PORT].map((port) => ({ port: String(port), protocol: "TCP" }));

/** The clients' rule from a client list variable: a `from` per client (Terraform names: pod_selector, namespace_selector, cidr). */
function clientRule(clients: unknown) {
  const nested = (field: string, content: Record<string, string>) => ({
    for_each: `\${client.value.${field} == null ? [] : [client.value.${field}]}`,
    content,
  });
  return {
    dynamic: {
      from: {
        for_each: clients,
        iterator: "client",
        content: {
          dynamic: {
            pod_selector: nested("pod_selector", { match_labels: "${pod_selector.value}" }),
            namespace_selector: nested("namespace_selector", { match_labels: "${namespace_selector.value}" }),
            ip_block: nested("cidr", { cidr: "${ip_block.value}" }),
          },
        },
      },
    },
    ports,
  };
}

/** The LoadBalancer's source ranges to 6333/6334: one `from` per CIDR (one ip_block each). */
function externalRule(allowedCidrs: string[]) {
  return { dynamic: { from: { for_each: allowedCidrs, content: { ip_block: [{ cidr: "${from.value}" }] } } }, ports };
}
