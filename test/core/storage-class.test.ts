import { resource, synthDeployment } from "../helpers/synth";

describe("QdrantStorageClass", () => {
  it("creates an encrypted, expandable, retained gp3 class bound at first consumer", () => {
    const json = synthDeployment();
    const sc = resource(json, "kubernetes_storage_class_v1", "qdrant");
    expect(sc).toMatchObject({
      metadata: { name: "acme-qdrant-gp3" },
      storage_provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      reclaim_policy: "Retain",
      volume_binding_mode: "WaitForFirstConsumer",
      allow_volume_expansion: true,
    });
    const claims = resource(json, "kubernetes_stateful_set_v1", "qdrant").spec.volume_claim_template;
    expect(claims.map((c: { spec: { storage_class_name: string } }) => c.spec.storage_class_name)).toEqual([
      "${kubernetes_storage_class_v1.qdrant.metadata[0].name}",
      "${kubernetes_storage_class_v1.qdrant.metadata[0].name}",
    ]);
  });

  it("passes provisioned IOPS for io2", () => {
    const sc = resource(synthDeployment({ storageType: "io2", storageIops: 6000 }), "kubernetes_storage_class_v1", "qdrant");
    expect(sc.parameters).toMatchObject({ type: "io2", iops: "6000" });
    expect(sc.metadata.name).toBe("acme-qdrant-io2");
  });

  it("creates no class when storageClassName names an existing one", () => {
    const json = synthDeployment({ storageClassName: "local-path" });
    expect(json.resource.kubernetes_storage_class_v1).toBeUndefined();
    const claims = resource(json, "kubernetes_stateful_set_v1", "qdrant").spec.volume_claim_template;
    expect(claims[0].spec.storage_class_name).toBe("local-path");
  });
});
