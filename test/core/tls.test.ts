import { checkServerIdentity } from "node:tls";
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { qdrantInputSchema } from "../../lib/config/schema";
import { qdrantNames } from "../../lib/core/naming";
import { tlsDnsNames } from "../../lib/core/tls";
import { applyWithoutProviders, requireTerraform } from "../helpers/terraform";
import { Json, qdrantContainer, podSpec, resource, synthDeployment } from "../helpers/synth";

requireTerraform();

/** The names the certificate covers for customer acme in namespace qdrant: the Service's and every pod's. */
const SERVICE_AND_POD_NAMES = [
  "acme-qdrant",
  "acme-qdrant.qdrant",
  "acme-qdrant.qdrant.svc",
  "acme-qdrant.qdrant.svc.cluster.local",
  "*.acme-qdrant-headless",
  "*.acme-qdrant-headless.qdrant.svc.cluster.local",
];
/** Each pod's own name, the one its peers use (`--uri http://<sts>-N.<headless>:6335`), for pods 0 to n - 1. */
const podNames = (n: number) => Array.from({ length: n }, (_, i) => `acme-qdrant-${i}.acme-qdrant-headless`);

/** The certificate's dnsNames as a peer certificate's subjectaltname, the form node's checkServerIdentity reads. */
const certificateFor = (json: Json) => ({
  subjectaltname: (resource(json, "kubernetes_manifest", "qdrant_tls").manifest.spec.dnsNames as string[]).map((n) => `DNS:${n}`).join(", "),
});
/** The hostnames among `hosts` the certificate does not cover (a rustls-webpki or node client refuses them). */
const uncovered = (json: Json, hosts: string[]) => hosts.filter((host) => checkServerIdentity(host, certificateFor(json) as never) !== undefined);

describe("QdrantTls", () => {
  describe("with the user's certificate Secret", () => {
    const json = synthDeployment({ tls: { secretName: "acme-cert" } });
    const container = qdrantContainer(json);

    it("turns on Qdrant's TLS with the mounted certificate, re-read hourly", () => {
      expect(resource(json, "kubernetes_config_map_v1", "qdrant_config").data).toMatchObject({
        QDRANT__SERVICE__ENABLE_TLS: "true",
        QDRANT__TLS__CERT: "/qdrant/tls/tls.crt",
        QDRANT__TLS__KEY: "/qdrant/tls/tls.key",
        QDRANT__TLS__CERT_TTL: "3600",
        // Peers download shard snapshots from each other over HTTPS (6333) and verify with this CA.
        QDRANT__TLS__CA_CERT: "/qdrant/tls/ca.crt",
      });
      expect(podSpec(json).volume).toContainEqual({ name: "qdrant-tls", secret: { secret_name: "acme-cert", default_mode: "0440" } });
      expect(container.volume_mount).toContainEqual({ name: "qdrant-tls", mount_path: "/qdrant/tls", read_only: true });
      expect(json.resource.kubernetes_manifest).toBeUndefined();
    });

    it("switches probes, connection strings and the init Job to https", () => {
      expect(container.readiness_probe.http_get).toEqual({ path: "/readyz", port: "http", scheme: "HTTPS" });
      expect(container.liveness_probe.http_get.scheme).toBe("HTTPS");
      expect(container.startup_probe.http_get.scheme).toBe("HTTPS");
      expect(json.output.connection_string.value).toBe("https://acme-qdrant.qdrant.svc.cluster.local:6333");
      expect(json.output.grpc_connection_string.value).toBe("https://acme-qdrant.qdrant.svc.cluster.local:6334");
      const job = resource(json, "kubernetes_job_v1", "qdrant_init").spec.template.spec;
      expect(job.container[0].env).toContainEqual({ name: "QDRANT_URL", value: "https://${kubernetes_service_v1.qdrant.metadata[0].name}.qdrant.svc.cluster.local:6333" });
      expect(job.container[0].env).toContainEqual({ name: "CURL_CA_BUNDLE", value: "/etc/qdrant-tls/ca.crt" });
      expect(job.volume).toContainEqual({ name: "tls-ca", secret: { secret_name: "acme-cert", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    });
  });

  it("keeps peers' shard transfers on gRPC when the Secret has no ca.crt (caInSecret false), in cluster mode only", () => {
    const data = (props: object) => resource(synthDeployment({ tls: { secretName: "acme-cert", caInSecret: false }, ...props }), "kubernetes_config_map_v1", "qdrant_config").data;
    const cluster = data({ replicas: 3 });
    expect(cluster.QDRANT__TLS__CA_CERT).toBeUndefined();
    expect(cluster.QDRANT__STORAGE__SHARD_TRANSFER_METHOD).toBe("stream_records");
    expect(data({}).QDRANT__STORAGE__SHARD_TRANSFER_METHOD).toBeUndefined();
    expect(resource(synthDeployment({ replicas: 3, tls: { secretName: "acme-cert" } }), "kubernetes_config_map_v1", "qdrant_config").data.QDRANT__STORAGE__SHARD_TRANSFER_METHOD).toBeUndefined();
  });

  it("asks cert-manager for a certificate covering the Service and every pod", () => {
    const json = synthDeployment({ replicas: 3, tls: { certManagerIssuer: { name: "internal-ca" } } });
    const certificate = resource(json, "kubernetes_manifest", "qdrant_tls").manifest;
    expect(certificate).toMatchObject({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "acme-qdrant-tls" },
      spec: {
        secretName: "acme-qdrant-tls",
        issuerRef: { name: "internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
        dnsNames: [...SERVICE_AND_POD_NAMES, ...podNames(3)],
      },
    });
    expect(podSpec(json).volume).toContainEqual({ name: "qdrant-tls", secret: { secret_name: "acme-qdrant-tls", default_mode: "0440" } });
    expect(resource(json, "kubernetes_config_map_v1", "qdrant_config").data.QDRANT__TLS__CA_CERT).toBe("/qdrant/tls/ca.crt");
  });

  it("covers the name each peer fetches shard snapshots by, for every pod the StatefulSet or its autoscaler may run", () => {
    // `*.acme-qdrant-headless` covers none of them: a wildcard needs two labels after it (rustls-webpki, node).
    expect(checkServerIdentity("acme-qdrant-0.acme-qdrant-headless", { subjectaltname: "DNS:*.acme-qdrant-headless" } as never)).toBeDefined();
    const fixed = synthDeployment({ replicas: 3, tls: { certManagerIssuer: { name: "internal-ca" } } });
    expect(uncovered(fixed, [...podNames(3), "acme-qdrant-2.acme-qdrant-headless.qdrant.svc.cluster.local", "acme-qdrant.qdrant.svc"])).toEqual([]);
    expect(uncovered(fixed, podNames(4))).toEqual(["acme-qdrant-3.acme-qdrant-headless"]);
    const autoscaled = synthDeployment({ replicas: 2, autoscaling: { enabled: true, maxReplicas: 5 }, tls: { certManagerIssuer: { name: "internal-ca" } } });
    expect(uncovered(autoscaled, podNames(6))).toEqual(["acme-qdrant-5.acme-qdrant-headless"]);
  });

  it("renders the same names when replicas is a Terraform expression (Terraform computes the pod names)", () => {
    const stack = new TerraformStack(Testing.app(), "token");
    const replicas = new TerraformVariable(stack, "replicas", { type: "number" });
    const inputs = qdrantInputSchema.parse({ customerName: "acme", apiKeySource: "generate", backupEnabled: false });
    new TerraformOutput(stack, "names", { value: tlsDnsNames(qdrantNames({ ...inputs, replicas: replicas.numberValue }), { ...inputs, replicas: replicas.numberValue }) });
    const applied = applyWithoutProviders(JSON.parse(Testing.synth(stack)), { replicas: 4 });
    expect(applied.stderr).toBe("");
    expect(applied.outputs?.names).toEqual(tlsDnsNames(qdrantNames({ ...inputs, replicas: 4 }), { ...inputs, replicas: 4 }));
    expect(applied.outputs?.names).toEqual([...SERVICE_AND_POD_NAMES, ...podNames(4)]);
  });

  it("makes Terraform wait until cert-manager has issued the Secret before the pods roll, within the apply's wait budget", () => {
    const json = synthDeployment({ replicas: 3, tls: { certManagerIssuer: { name: "internal-ca" } } });
    const certificate = resource(json, "kubernetes_manifest", "qdrant_tls");
    expect(certificate.wait).toEqual({ condition: [{ type: "Ready", status: "True" }] });
    expect(certificate.timeouts).toEqual({ create: "1m", update: "1m" });
    const statefulSet = resource(json, "kubernetes_stateful_set_v1", "qdrant");
    expect(statefulSet.depends_on).toEqual(["kubernetes_manifest.qdrant_tls"]);
    // The certificate's minute comes out of the rollout's share (applyWaitMinutes 12: 8 + 1 + the Job's 3).
    expect(statefulSet.timeouts).toMatchObject({ create: "8m", update: "8m" });
    // The Jobs that mount the Secret start after the StatefulSet.
    expect(resource(json, "kubernetes_job_v1", "qdrant_init").depends_on).toEqual(["kubernetes_stateful_set_v1.qdrant"]);
    const own = synthDeployment({ replicas: 3, tls: { secretName: "acme-cert" } });
    expect(resource(own, "kubernetes_stateful_set_v1", "qdrant").depends_on).toBeUndefined();
    expect(resource(own, "kubernetes_stateful_set_v1", "qdrant").timeouts).toMatchObject({ create: "9m", update: "9m" });
  });

  it("adds tls.extraDnsNames (the name clients use for the external NLB) to the cert-manager certificate, once each", () => {
    const json = synthDeployment({
      enableExternalAccess: true,
      allowedCidrs: ["10.0.0.0/16"],
      tls: { certManagerIssuer: { name: "internal-ca" }, extraDnsNames: ["qdrant.acme.example.com", "*.qdrant.acme.example.com", "acme-qdrant"] },
    });
    expect(resource(json, "kubernetes_manifest", "qdrant_tls").manifest.spec.dnsNames).toEqual([
      ...SERVICE_AND_POD_NAMES,
      ...podNames(1),
      "qdrant.acme.example.com",
      "*.qdrant.acme.example.com",
    ]);
  });

  it("refuses extra names that are no DNS names, and extra names for the user's own certificate", () => {
    expect(() => synthDeployment({ tls: { certManagerIssuer: { name: "ca" }, extraDnsNames: ["Qdrant.Example.com"] } })).toThrow(
      'tls.extraDnsNames[0]: must be a lower-case DNS name, optionally starting with "*." (e.g. "qdrant.acme.example.com") (got "Qdrant.Example.com")',
    );
    expect(() => synthDeployment({ tls: { secretName: "acme-cert", extraDnsNames: ["qdrant.acme.example.com"] } })).toThrow(
      "tls.extraDnsNames: applies to the certificate cert-manager issues (certManagerIssuer); with secretName, put the names in your own certificate",
    );
  });

  it("stays plain http by default", () => {
    const json = synthDeployment();
    expect(qdrantContainer(json).readiness_probe.http_get.scheme).toBeUndefined();
    expect(json.output.connection_string.value).toMatch(/^http:\/\//);
  });

  it("fails unless exactly one certificate source is set", () => {
    expect(() => synthDeployment({ tls: {} })).toThrow(
      "tls: must set exactly one of secretName (your certificate) or certManagerIssuer (cert-manager issues one) (got {})",
    );
  });
});
