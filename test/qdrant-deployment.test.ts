import { TerraformResource, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { QdrantDeployment } from "../lib/qdrant-deployment";
import { QdrantConfigError } from "../lib/config/validate";
import { synthDeployment } from "./helpers/synth";

describe("QdrantDeployment", () => {
  it("outputs the seed's seven values, plus the names the runbooks need", () => {
    const out = synthDeployment({ namespace: "vectors" }).output;
    const values = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, (v as { value: unknown }).value]));
    expect(values).toEqual({
      namespace: "${kubernetes_namespace_v1.qdrant.metadata[0].name}",
      service_name: "${kubernetes_service_v1.qdrant.metadata[0].name}",
      service_fqdn: "acme-qdrant.vectors.svc.cluster.local",
      connection_string: "http://acme-qdrant.vectors.svc.cluster.local:6333",
      grpc_connection_string: "http://acme-qdrant.vectors.svc.cluster.local:6334",
      http_port: 6333,
      grpc_port: 6334,
      statefulset_name: "${kubernetes_stateful_set_v1.qdrant.metadata[0].name}",
      headless_service_name: "acme-qdrant-headless",
      external_service_name: "",
      backup_destination: "",
      backup_role_arn: "",
      api_key_secret_name: "${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}",
    });
  });

  it("prefixes addresses and outputs with its id when it is not 'qdrant', so two fit in one stack", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    new QdrantDeployment(stack, "qdrant", { customerName: "a", enableAuthentication: false, backupEnabled: false });
    new QdrantDeployment(stack, "other", { customerName: "b", namespace: "b", enableAuthentication: false, backupEnabled: false });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.keys(json.resource.kubernetes_stateful_set_v1).sort()).toEqual(["other", "qdrant"]);
    expect(json.output.other_service_fqdn.value).toBe("b-qdrant.b.svc.cluster.local");
  });

  it("warns at synth when resources are below the sizing estimate, naming the numbers", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    const qdrant = new QdrantDeployment(stack, "qdrant", {
      customerName: "a",
      apiKeySource: "generate",
      backupEnabled: false,
      sizing: { expectedVectors: 2000000 },
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    });
    const warnings = qdrant.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^sizing: memoryRequest 1Gi is below the estimated RAM of [\d.]+ GB per pod \(2,000,000 vectors × 1536 dims, no quantization, 1 pod\); recommended \d+Gi$/);
  });

  it("fails with every problem in the props, before building anything", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    expect(() => new QdrantDeployment(stack, "qdrant", { customerName: "A", replicas: 0, enableAuthentication: false, backupEnabled: false })).toThrow(QdrantConfigError);
    expect(stack.node.findAll().filter((c) => c instanceof TerraformResource)).toEqual([]);
  });

  it("takes a StorageClass name that is a Terraform variable: the created class follows it through count, and references are indexed", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    const storageClass = new TerraformVariable(stack, "storage_class", { type: "string", nullable: true });
    new QdrantDeployment(stack, "qdrant", { customerName: "a", enableAuthentication: false, backupEnabled: false, storageClassName: storageClass.stringValue });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.kubernetes_storage_class_v1.qdrant.count).toBe("${(var.storage_class == null) ? 1 : 0}");
    const claim = json.resource.kubernetes_stateful_set_v1.qdrant.spec.volume_claim_template[0].spec.storage_class_name;
    expect(claim).toBe("${(var.storage_class == null) ? try(kubernetes_storage_class_v1.qdrant[0].metadata[0].name, var.storage_class) : var.storage_class}");
  });
});
