import { ingressAllowed, Source } from "../helpers/network-policy";
import { Json, resource, synthDeployment } from "../helpers/synth";

const NS = "qdrant";
const qdrantPod = { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant", "app.kubernetes.io/component": "vector-store" };
const inNamespace = (labels: Record<string, string>, namespace = NS): Source => ({ podLabels: labels, namespace, namespaceLabels: { "kubernetes.io/metadata.name": namespace } });

describe("QdrantNetworkPolicy", () => {
  const json = synthDeployment({
    replicas: 3,
    enableNetworkPolicy: true,
    networkPolicyClients: [{ podSelector: { app: "cortex-control-plane" } }, { namespaceSelector: { "kubernetes.io/metadata.name": "open-webui" } }, { cidr: "10.20.0.0/16" }],
    enableExternalAccess: true,
    allowedCidrs: ["192.168.10.0/24"],
  });
  const policies: Json[] = Object.values(json.resource.kubernetes_network_policy_v1);

  const cases: [string, Source, number, boolean][] = [
    ["the control plane, same namespace, http", inNamespace({ app: "cortex-control-plane" }), 6333, true],
    ["the control plane, same namespace, grpc", inNamespace({ app: "cortex-control-plane" }), 6334, true],
    ["the control plane on the peer port", inNamespace({ app: "cortex-control-plane" }), 6335, false],
    ["a control-plane-labelled pod in another namespace", inNamespace({ app: "cortex-control-plane" }, "other"), 6333, false],
    ["any pod in open-webui", inNamespace({ app: "webui" }, "open-webui"), 6334, true],
    ["an unlisted pod in the same namespace", inNamespace({ app: "curl" }), 6333, false],
    ["an unlisted namespace", inNamespace({ app: "x" }, "default"), 6333, false],
    ["Prometheus in monitoring, metrics port", inNamespace({ app: "prometheus" }, "monitoring"), 9090, true],
    ["Prometheus in monitoring, http (the API, not metrics, on v1.17+)", inNamespace({ app: "prometheus" }, "monitoring"), 6333, false],
    ["a client on the metrics port", inNamespace({ app: "cortex-control-plane" }), 9090, false],
    ["Prometheus in monitoring, grpc", inNamespace({ app: "prometheus" }, "monitoring"), 6334, false],
    ["the collection-init Job", inNamespace({ "app.kubernetes.io/instance": "acme-qdrant", "app.kubernetes.io/component": "collection-init", "app.kubernetes.io/name": "qdrant-collection-init" }), 6333, true],
    ["a backup Job", inNamespace({ "app.kubernetes.io/instance": "acme-qdrant", "app.kubernetes.io/component": "backup" }), 6333, true],
    ["another deployment's Job", inNamespace({ "app.kubernetes.io/instance": "other-qdrant", "app.kubernetes.io/component": "backup" }), 6333, false],
    ["a Job on the peer port", inNamespace({ "app.kubernetes.io/instance": "acme-qdrant", "app.kubernetes.io/component": "backup" }), 6335, false],
    ["a Qdrant peer on 6335", inNamespace(qdrantPod), 6335, true],
    ["a Qdrant peer on 6333 (shard snapshot transfer)", inNamespace(qdrantPod), 6333, true],
    ["another deployment's Qdrant on 6335", inNamespace({ ...qdrantPod, "app.kubernetes.io/instance": "other-qdrant" }), 6335, false],
    ["a client CIDR", { ip: "10.20.3.4" }, 6333, true],
    ["an address outside every CIDR", { ip: "10.30.0.1" }, 6333, false],
    ["the LoadBalancer's allowed range", { ip: "192.168.10.7" }, 6334, true],
    ["the LoadBalancer's allowed range on 6335", { ip: "192.168.10.7" }, 6335, false],
  ];

  it.each(cases)("%s (port %#) → allowed %s", (_name, source, port, allowed) => {
    expect(ingressAllowed(policies, NS, qdrantPod, source, port)).toBe(allowed);
  });

  it("denies everything not listed, for ingress only by default", () => {
    const policy = resource(json, "kubernetes_network_policy_v1", "qdrant");
    expect(policy.metadata.name).toBe("acme-qdrant");
    expect(policy.spec.policy_types).toEqual(["Ingress"]);
    expect(policy.spec.pod_selector).toEqual({ match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } });
  });

  it("has no peer rule on a single node", () => {
    const single = Object.values(synthDeployment({ enableNetworkPolicy: true, networkPolicyClients: [{ cidr: "10.0.0.0/8" }] }).resource.kubernetes_network_policy_v1) as Json[];
    expect(ingressAllowed(single, NS, qdrantPod, inNamespace(qdrantPod), 6335)).toBe(false);
    expect(JSON.stringify(single)).not.toContain("6335");
  });

  it("restricts egress to DNS and the peers when asked", () => {
    const policy = resource(synthDeployment({ replicas: 2, enableNetworkPolicy: true, restrictEgress: true, networkPolicyClients: [{ cidr: "10.0.0.0/8" }] }), "kubernetes_network_policy_v1", "qdrant");
    expect(policy.spec.policy_types).toEqual(["Ingress", "Egress"]);
    expect(policy.spec.egress).toEqual([
      {
        to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "kube-system" } }, pod_selector: { match_labels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { port: "53", protocol: "UDP" },
          { port: "53", protocol: "TCP" },
        ],
      },
      {
        to: [{ pod_selector: { match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } } }],
        ports: [
          { port: "6335", protocol: "TCP" },
          { port: "6333", protocol: "TCP" },
        ],
      },
    ]);
  });

  it("lets monitoring scrape the http port before v1.17 (metrics behind the key there)", () => {
    const old = Object.values(synthDeployment({ qdrantVersion: "v1.13.2", enableNetworkPolicy: true, networkPolicyClients: [{ cidr: "10.0.0.0/8" }] }).resource.kubernetes_network_policy_v1) as Json[];
    expect(ingressAllowed(old, NS, qdrantPod, inNamespace({ app: "prometheus" }, "monitoring"), 6333)).toBe(true);
  });

  it("is absent when enableNetworkPolicy is off", () => {
    expect(synthDeployment().resource.kubernetes_network_policy_v1).toBeUndefined();
  });
});
