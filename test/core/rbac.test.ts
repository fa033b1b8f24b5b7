import { podSpec, resource, synthDeployment } from "../helpers/synth";

describe("WorkloadServiceAccount", () => {
  it("gives Qdrant its own ServiceAccount with no API token", () => {
    const json = synthDeployment();
    const account = resource(json, "kubernetes_service_account_v1", "qdrant");
    expect(account.metadata.name).toBe("acme-qdrant");
    expect(account.automount_service_account_token).toBe(false);
    expect(podSpec(json)).toMatchObject({
      service_account_name: "${kubernetes_service_account_v1.qdrant.metadata[0].name}",
      automount_service_account_token: false,
    });
  });
});
