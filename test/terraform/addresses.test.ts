import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Testing, TerraformStack } from "cdktf";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { ADDRESSES } from "../../lib/terraform/addresses";
import { addresses, BASE_PROPS, Json } from "../helpers/synth";

/** Deployments in a library user's plain TerraformStack (no QdrantStack, no aspect), synthesized. */
function userStack(build: (stack: TerraformStack) => void): Json {
  const app = Testing.app();
  const stack = new TerraformStack(app, "user");
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Json;
}

describe("Terraform addresses (lib/terraform/addresses.ts)", () => {
  it("hold in a user's own TerraformStack: the id qdrant gives the seed module's names", () => {
    const json = userStack((stack) => new QdrantDeployment(stack, "qdrant", { ...BASE_PROPS, replicas: 3, enableNetworkPolicy: true, networkPolicyClients: [{ cidr: "10.0.0.0/8" }] }));
    expect(addresses(json)).toEqual([
      "data.kubernetes_resources.qdrant_running",
      "kubernetes_config_map_v1.qdrant_config",
      "kubernetes_config_map_v1.qdrant_init",
      "kubernetes_job_v1.qdrant_init",
      "kubernetes_namespace_v1.qdrant",
      "kubernetes_network_policy_v1.qdrant",
      "kubernetes_pod_disruption_budget_v1.qdrant",
      "kubernetes_secret_v1.qdrant_api_key",
      "kubernetes_service_account_v1.qdrant",
      "kubernetes_service_account_v1.qdrant_init",
      "kubernetes_service_v1.qdrant",
      "kubernetes_service_v1.qdrant_headless",
      "kubernetes_stateful_set_v1.qdrant",
      "kubernetes_storage_class_v1.qdrant",
      "output.api_key_secret_name",
      "output.backup_destination",
      "output.backup_role_arn",
      "output.connection_string",
      "output.external_service_name",
      "output.grpc_connection_string",
      "output.grpc_port",
      "output.headless_service_name",
      "output.http_port",
      "output.namespace",
      "output.service_fqdn",
      "output.service_name",
      "output.statefulset_name",
      "random_password.qdrant_api_key",
      "random_password.qdrant_read_only_api_key",
      "terraform_data.qdrant_plan_guard",
    ]);
  });

  it("prefix everything with another construct id, so two deployments share a stack", () => {
    const json = userStack((stack) => {
      new QdrantDeployment(stack, "search-eu", { ...BASE_PROPS, customerName: "eu", namespace: "eu", apiKeySource: "variable" });
      new QdrantDeployment(stack, "search_us", { ...BASE_PROPS, customerName: "us", namespace: "us" });
    });
    const all = addresses(json);
    expect(all).toEqual(expect.arrayContaining(["kubernetes_stateful_set_v1.search_eu", "kubernetes_stateful_set_v1.search_us", "output.search_eu_service_fqdn", "output.search_us_service_fqdn"]));
    expect(all).toEqual(expect.arrayContaining(["var.search_eu_api_key", "var.search_eu_read_only_api_key", "var.search_eu_alt_api_key"]));
    // A variable's validation names the variable by its address.
    expect(json.variable.search_eu_api_key.validation[0].condition).toBe("${length(var.search_eu_api_key) >= 32}");
    expect(all.filter((a) => !/\.(search_eu|search_us)(_|$)/.test(a))).toEqual([]);
  });

  it("fails, naming the construct path, for a resource the table does not know", () => {
    expect(() =>
      userStack((stack) => {
        const deployment = new QdrantDeployment(stack, "qdrant", BASE_PROPS);
        new ConfigMapV1(deployment, "extra", { metadata: { name: "extra" } });
      }),
    ).toThrow("no Terraform address for extra: add it to lib/terraform/addresses.ts (an address is a public contract, never a hash)");
  });

  it("lists each construct path once", () => {
    const paths = ADDRESSES.map(([path]) => path);
    expect(paths.filter((p, i) => paths.indexOf(p) !== i)).toEqual([]);
  });

  it("leave elements outside a deployment to the stack's own naming", () => {
    const json = userStack((stack) => {
      new QdrantDeployment(stack, "qdrant", BASE_PROPS);
      new ConfigMapV1(stack, "mine", { metadata: { name: "mine" } });
    });
    expect(Object.keys(json.resource.kubernetes_config_map_v1)).toEqual(expect.arrayContaining(["qdrant_config", "mine"]));
  });
});
