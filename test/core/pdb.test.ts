import { resource, synthDeployment } from "../helpers/synth";

describe("QdrantPodDisruptionBudget", () => {
  it("lets a drain take at most one peer in cluster mode", () => {
    const pdb = resource(synthDeployment({ replicas: 3 }), "kubernetes_pod_disruption_budget_v1", "qdrant");
    expect(pdb.metadata.name).toBe("acme-qdrant");
    expect(pdb.spec).toEqual({ max_unavailable: "1", selector: { match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } } });
  });

  it("is absent on a single node (a budget there would block every drain)", () => {
    expect(synthDeployment().resource.kubernetes_pod_disruption_budget_v1).toBeUndefined();
  });
});
