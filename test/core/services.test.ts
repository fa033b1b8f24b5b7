import { Json, resource, synthDeployment } from "../helpers/synth";

const ports = (svc: Json) => svc.spec.port.map((p: Json) => `${p.name}:${p.port}`);

describe("QdrantServices", () => {
  it("creates a ClusterIP client Service on 6333/6334 and a headless Service, single node", () => {
    const json = synthDeployment();
    const client = resource(json, "kubernetes_service_v1", "qdrant");
    expect(client.metadata.name).toBe("acme-qdrant");
    expect(client.spec).toMatchObject({ type: "ClusterIP", selector: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } });
    expect(ports(client)).toEqual(["http:6333", "grpc:6334"]);
    const headless = resource(json, "kubernetes_service_v1", "qdrant_headless");
    expect(headless.metadata.name).toBe("acme-qdrant-headless");
    expect(headless.spec).toMatchObject({ cluster_ip: "None", publish_not_ready_addresses: true });
    expect(headless.metadata.labels["app.kubernetes.io/component"]).toBe("peers");
    expect(ports(headless)).toEqual(["http:6333", "grpc:6334", "metrics:9090"]);
    expect(ports(resource(synthDeployment({ qdrantVersion: "v1.13.2" }), "kubernetes_service_v1", "qdrant_headless"))).toEqual(["http:6333", "grpc:6334"]);
  });

  it("keeps the peer port 6335 off the client Service in cluster mode", () => {
    const json = synthDeployment({ replicas: 3 });
    expect(ports(resource(json, "kubernetes_service_v1", "qdrant"))).toEqual(["http:6333", "grpc:6334"]);
    expect(ports(resource(json, "kubernetes_service_v1", "qdrant_headless"))).toEqual(["http:6333", "grpc:6334", "p2p:6335", "metrics:9090"]);
  });
});
