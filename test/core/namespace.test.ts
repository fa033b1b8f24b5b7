import { resource, synthDeployment } from "../helpers/synth";

describe("QdrantNamespace", () => {
  it("creates the namespace with app labels, commonLabels and the restricted Pod Security labels", () => {
    const ns = resource(synthDeployment({ namespace: "vectors", commonLabels: { team: "ai" } }), "kubernetes_namespace_v1", "qdrant");
    expect(ns.metadata).toEqual({
      name: "vectors",
      labels: {
        team: "ai",
        "app.kubernetes.io/name": "qdrant",
        "app.kubernetes.io/instance": "acme-qdrant",
        "app.kubernetes.io/managed-by": "terraform",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    });
  });

  it("uses an existing namespace by name when createNamespace is false", () => {
    const json = synthDeployment({ namespace: "shared", createNamespace: false });
    expect(json.resource.kubernetes_namespace_v1).toBeUndefined();
    expect(resource(json, "kubernetes_stateful_set_v1", "qdrant").metadata.namespace).toBe("shared");
  });
});
