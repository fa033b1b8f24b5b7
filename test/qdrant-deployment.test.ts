import { TerraformResource, TerraformStack, Testing } from "cdktf";
import { QdrantDeployment } from "../lib/qdrant-deployment";
import { QdrantConfigError } from "../lib/inputs/validate";
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

  it("warns about accepted inputs whose resources are not built yet", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    const qdrant = new QdrantDeployment(stack, "qdrant", { customerName: "a", apiKeySource: "generate", backupS3Bucket: "bkt" });
    const warnings = qdrant.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data);
    expect(warnings).toEqual(["backupEnabled: the backup CronJob is not built yet; no backups run"]);
  });

  it("fails with every problem in the props, before building anything", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    expect(() => new QdrantDeployment(stack, "qdrant", { customerName: "A", replicas: 0, enableAuthentication: false, backupEnabled: false })).toThrow(QdrantConfigError);
    expect(stack.node.findAll().filter((c) => c instanceof TerraformResource)).toEqual([]);
  });
});
