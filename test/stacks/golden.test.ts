import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { addresses, Json, withScriptPlaceholders } from "../helpers/synth";

// The example stacks, synthesized from config/ exactly as `npm run synth` does. A changed address means
// a destroyed and recreated resource in users' plans: update the snapshot only on purpose (npm run test:update).
const outdir = mkdtempSync(join(tmpdir(), "qdrant-golden-"));
buildApp(join(__dirname, "../../config"), outdir, {}).synth();
const stack = (name: string): Json => JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));

describe.each(["qdrant-homelab", "qdrant-acme-corp", "qdrant-globex"])("golden stack %s", (name) => {
  const json = stack(name);

  it("has exactly these Terraform addresses", () => {
    expect(addresses(json)).toMatchSnapshot();
  });

  it("synthesizes exactly this Terraform JSON", () => {
    expect(withScriptPlaceholders(json)).toMatchSnapshot();
  });

  it("has readable, hash-free addresses", () => {
    for (const address of addresses(json)) expect(address).not.toMatch(/_[0-9A-F]{8}$/);
  });
});

describe("homelab stack reproduces spike #30", () => {
  const json = stack("qdrant-homelab");
  const sts = json.resource.kubernetes_stateful_set_v1.qdrant;
  const container = sts.spec.template.spec.container[0];

  it("runs qdrant/qdrant:v1.13.2 as StatefulSet qdrant in namespace cortex with one replica", () => {
    expect(sts.metadata.name).toBe("qdrant");
    expect(sts.metadata.namespace).toBe("cortex");
    expect(container.image).toBe("qdrant/qdrant:v1.13.2");
    expect(sts.spec.replicas).toBe("1");
  });

  it("carries the spike's labels", () => {
    expect(sts.spec.template.metadata.labels).toMatchObject({
      app: "qdrant",
      "app.kubernetes.io/name": "qdrant",
      "app.kubernetes.io/component": "vector-store",
      "app.kubernetes.io/part-of": "cortex-plane",
    });
  });

  it("requests 250m/1Gi and limits 2/2Gi, on a 10Gi local-path PVC named qdrant-data", () => {
    expect(container.resources).toEqual({ requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    expect(sts.spec.volume_claim_template[0]).toMatchObject({
      metadata: { name: "qdrant-data" },
      spec: { storage_class_name: "local-path", resources: { requests: { storage: "10Gi" } } },
    });
  });

  it("uses the spike's probe timings (startup: 12 attempts x 5 s)", () => {
    expect(container.readiness_probe).toMatchObject({ initial_delay_seconds: 5, period_seconds: 5, timeout_seconds: 3, failure_threshold: 3 });
    expect(container.liveness_probe).toMatchObject({ initial_delay_seconds: 15, period_seconds: 15, timeout_seconds: 3, failure_threshold: 3 });
    expect(container.startup_probe).toMatchObject({ initial_delay_seconds: 5, period_seconds: 5, failure_threshold: 12 });
  });

  it("sets the spike's environment with the real WAL key", () => {
    expect(json.resource.kubernetes_config_map_v1.qdrant_config.data).toMatchObject({
      QDRANT__SERVICE__ENABLE_TLS: "false",
      QDRANT__STORAGE__WAL__WAL_CAPACITY_MB: "32",
      QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: "32",
    });
  });

  it("serves qdrant.cortex.svc.cluster.local on 6333 and 6334", () => {
    expect(json.output.connection_string.value).toBe("http://qdrant.cortex.svc.cluster.local:6333");
    expect(json.resource.kubernetes_service_v1.qdrant.spec.port.map((p: Json) => p.port)).toEqual([6333, 6334]);
  });

  it("leaves namespace cortex to the control plane: not created, and forgotten rather than deleted by a state that had it", () => {
    expect(json.resource.kubernetes_namespace_v1).toBeUndefined();
    expect(json.removed).toEqual([{ from: "kubernetes_namespace_v1.qdrant", lifecycle: { destroy: false } }]);
    // `removed` blocks arrived in Terraform 1.7: an older one must say so, not misread the stack.
    expect(json.terraform.required_version).toBe(">= 1.7.0");
  });

  it("has what the runbook's migration from the kustomize deployment imports, and keeps its PVC", () => {
    const runbook = readFileSync(join(__dirname, "../../docs/runbook.md"), "utf8");
    const section = runbook.slice(runbook.indexOf("## 7. Homelab"), runbook.indexOf("## Backup checks"));
    const imports = [...section.matchAll(/^terraform import (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(imports.map(([address]) => address)).toEqual(["kubernetes_service_v1.qdrant", "kubernetes_network_policy_v1.qdrant"]);
    for (const [address, id] of imports) {
      const [type, name] = address.split(".");
      const metadata = json.resource[type]?.[name]?.metadata;
      expect(`${metadata?.namespace}/${metadata?.name}`).toBe(id);
    }
    // The old StatefulSet's claim: <claim template>-<StatefulSet>-<ordinal>.
    const pvc = `${sts.spec.volume_claim_template[0].metadata.name}-${sts.metadata.name}-0`;
    expect(pvc).toBe("qdrant-data-qdrant-0");
    expect(section.match(/qdrant-data-qdrant-0/g)?.length).toBeGreaterThanOrEqual(3);
    expect(section).toContain("kubectl -n $NS delete statefulset qdrant --cascade=orphan");
  });

  it("connects with the kubeconfig context from homelab.yaml and keeps state in a relative local path", () => {
    expect(json.provider.kubernetes).toEqual([{ config_path: "~/.kube/config", config_context: "default" }]);
    expect(json.terraform.backend).toEqual({ local: { path: "../../../terraform.qdrant-homelab.tfstate" } });
  });
});

describe("EKS stacks", () => {
  const json = stack("qdrant-acme-corp");

  it("authenticate the kubernetes provider with the ephemeral aws_eks_cluster_auth, not an exec plugin", () => {
    expect(json.data.aws_eks_cluster.eks.name).toBe("my-eks-cluster");
    expect(json.provider.kubernetes).toEqual([
      {
        host: "${data.aws_eks_cluster.eks.endpoint}",
        cluster_ca_certificate: "${base64decode(data.aws_eks_cluster.eks.certificate_authority[0].data)}",
        token: "${ephemeral.aws_eks_cluster_auth.eks.token}",
      },
    ]);
    expect(json.provider.aws[0]).toMatchObject({ region: "us-east-1", default_tags: [{ tags: { "qdrant:customer": "acme-corp" } }] });
  });

  it("follow the seed's names: <customer>-qdrant", () => {
    expect(json.resource.kubernetes_stateful_set_v1.qdrant.metadata.name).toBe("acme-corp-qdrant");
    expect(json.output.service_fqdn.value).toBe("acme-corp-qdrant.qdrant.svc.cluster.local");
  });

  it("never contain a literal API key", () => {
    const text = JSON.stringify(json);
    expect(json.variable.qdrant_api_key.sensitive).toBe(true);
    expect(text).not.toMatch(/"api-key":\s*"(?!\$\{)/);
  });
});
