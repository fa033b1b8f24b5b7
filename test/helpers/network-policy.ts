/**
 * A small evaluator of synthesized NetworkPolicies (snake_case JSON), enough to walk (source, port) pairs
 * through them the way Kubernetes does: a pod selected by any policy with Ingress accepts only what some
 * rule of some selecting policy allows.
 */
import type { Json } from "./synth";

export interface Source {
  /** Pod labels, or undefined for a source outside the cluster (an IP). */
  podLabels?: Record<string, string>;
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  ip?: string;
}

function matches(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries((selector.match_labels ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  for (const e of (selector.match_expressions ?? []) as Json[]) {
    const has = e.key in labels;
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const [base, bits] = cidr.split("/");
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

function peerMatches(peer: Json, source: Source, policyNamespace: string): boolean {
  if (peer.ip_block) return source.ip !== undefined && ipInCidr(source.ip, peer.ip_block.cidr) && !(peer.ip_block.except ?? []).some((c: string) => ipInCidr(source.ip as string, c));
  if (!source.podLabels) return false;
  const namespaceOk = peer.namespace_selector ? matches(peer.namespace_selector, source.namespaceLabels ?? {}) : source.namespace === policyNamespace;
  return namespaceOk && matches(peer.pod_selector, source.podLabels);
}

/** Whether `source` may open `port`/TCP on a pod with `targetLabels` in `namespace`, given the policies. */
export function ingressAllowed(policies: Json[], namespace: string, targetLabels: Record<string, string>, source: Source, port: number): boolean {
  const selecting = policies.filter((p) => (p.spec.policy_types as string[]).includes("Ingress") && matches(p.spec.pod_selector, targetLabels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((p.spec.ingress ?? []) as Json[]).some((rule) => {
      const portOk = !rule.ports || (rule.ports as Json[]).some((rp) => rp.port === undefined || Number(rp.port) === port);
      const fromOk = !rule.from || (rule.from as Json[]).some((peer) => peerMatches(peer, source, namespace));
      return portOk && fromOk;
    }),
  );
}
