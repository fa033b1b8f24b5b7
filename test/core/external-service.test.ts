import { resource, synthDeployment } from "../helpers/synth";
import PROVIDER_FACTS from "../../lib/terraform/provider-facts.json";

describe("QdrantExternalService", () => {
  it("exposes only 6333/6334 through an internal NLB limited to allowedCidrs", () => {
    const json = synthDeployment({ replicas: 3, enableExternalAccess: true, allowedCidrs: ["10.0.0.0/16"] });
    const svc = resource(json, "kubernetes_service_v1", "qdrant_external");
    expect(svc.metadata.name).toBe("acme-qdrant-external");
    expect(svc.metadata.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    });
    expect(svc.spec.type).toBe("LoadBalancer");
    expect(svc.spec.load_balancer_source_ranges).toEqual(["10.0.0.0/16"]);
    expect(svc.spec.port.map((p: { port: number }) => p.port)).toEqual([6333, 6334]);
    expect(json.output.external_service_name.value).toBe("${kubernetes_service_v1.qdrant_external.metadata[0].name}");
  });

  it("leaves spec.loadBalancerClass to the AWS Load Balancer Controller, which sets it on creation (ForceNew in provider 2.38)", () => {
    const svc = resource(synthDeployment({ replicas: 3, enableExternalAccess: true, allowedCidrs: ["10.0.0.0/16"] }), "kubernetes_service_v1", "qdrant_external");
    expect(svc.lifecycle.ignore_changes).toEqual(["spec[0].load_balancer_class"]);
    expect(svc.spec.load_balancer_class).toBeUndefined();
    // The pinned facts (lib/terraform/provider-facts.json, from the provider's source): a change would replace the Service.
    expect(PROVIDER_FACTS.resources.kubernetes_service_v1.attributes["spec.load_balancer_class"]).toMatchObject({ forceNew: true });
  });

  it("is absent by default", () => {
    expect(Object.keys(synthDeployment().resource.kubernetes_service_v1)).toEqual(["qdrant", "qdrant_headless"]);
  });
});
