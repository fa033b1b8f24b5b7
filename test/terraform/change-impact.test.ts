/**
 * The change-impact classifier (lib/terraform/change-impact.ts) and the README table it generates
 * (lib/terraform/change-impact-table.ts): the classifier against the provider semantics pinned in
 * provider-facts.json, every scenario against a hand-written expectation, the pinned facts against every attribute
 * the project emits, and the README section against the generated table.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformResource, TerraformStack, Testing } from "cdktf";
import { buildApp } from "../../stacks/app";
import { synthesizeModuleStack } from "../../lib/module/files";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { qdrantInputShape } from "../../lib/config/schema";
import { changeImpact, factFor, unknownAttributes } from "../../lib/terraform/change-impact";
import { changeImpactMarkdown, changeImpactRows, effectOf, Row, SCENARIOS } from "../../lib/terraform/change-impact-table";
import { withGeneratedSections } from "../../tools/readme-tables";
import facts from "../../lib/terraform/provider-facts.json";
import { BASE_PROPS, Json, synthDeployment } from "../helpers/synth";

/** The headline of each row, written by hand from the provider sources and Kubernetes' rules. */
const EXPECTED: Record<string, string> = {
  'customerName: "acme" → "initech"': "refused",
  'resourceName: unset → "search"': "refused",
  'namespace: "qdrant" → "search"': "refused",
  "createNamespace: true → false": "refused",
  "qdrantImage: another registry": "rolling restart",
  "qdrantVersion: v1.18.3 → v1.19.0": "rolling restart",
  "replicas: 3 → 4": "Job re-run",
  'storageSize: "100Gi" → "200Gi"': "refused",
  'storageType: "gp3" → "gp2"': "refused",
  "storageIops: unset → 6000": "replaced",
  'storageClassName: unset → "gp3-encrypted"': "refused",
  'snapshotStorageSize: unset → "50Gi"': "refused",
  "resources: memory limit 8Gi → 16Gi": "rolling restart",
  "enableAuthentication: true → false": "refused",
  "apiKey: another key expression": "rolling restart",
  'apiKeySource: "generate" → "variable"': "refused",
  'apiKeySecretName: "keys-a" → "keys-b"': "rolling restart",
  'apiKeySecretsManagerId: "qdrant/a" → "qdrant/b"': "rolling restart",
  "backupEnabled: true → false": "in place",
  "backupS3Bucket: another bucket": "in place",
  'backupSchedule: "0 2 * * *" → "0 4 * * *"': "in place",
  "backupRetentionDays: 30 → 14": "in place",
  "backupCreateBucket: false → true": "in place",
  "backupCreateBucket: true → false": "refused",
  "backupKmsKeyArn: unset → a key": "in place",
  'backupIdentity: "irsa" → "podIdentity"': "in place",
  'backupTarget: "s3" → "pvc"': "in place",
  'backupTarget: "pvc" → "s3"': "refused",
  "backupS3Endpoint: unset → MinIO": "in place",
  'backupS3CredentialsSecret: "minio-a" → "minio-b"': "in place",
  'backupVolumeSize: "400Gi" → "800Gi"': "in place",
  'backupVolumeSize: "400Gi" → "200Gi"': "refused",
  'backupScratchSize: unset → "50Gi"': "in place",
  'backupScratchStorageClassName: unset → "scratch"': "in place",
  'backupRestoreTimestamp: unset → "latest"': "Job re-run",
  "backupRestoreReplaceIncompatible: false → true, during a restore": "Job re-run",
  'backupVerifySchedule: unset → "0 5 * * 0"': "in place",
  "eksClusterName: another cluster": "replaced",
  "collectionsConfig: one more collection": "Job re-run",
  "commonLabels: {} → { team: search }": "rolling restart",
  "enableNetworkPolicy: true → false": "in place",
  "networkPolicyClients: another client": "in place",
  'monitoringNamespace: "monitoring" → "observability"': "in place",
  "restrictEgress: false → true": "in place",
  "enableExternalAccess: false → true": "in place",
  "allowedCidrs: another range": "in place",
  "enablePodAntiAffinity: true → false": "rolling restart",
  'podAntiAffinityMode: "required" → "preferred"': "rolling restart",
  "spreadAcrossZones: true → false": "rolling restart",
  "autoscaling: unset → up to 6 peers": "in place",
  "clusterMode: unset → true at replicas 1": "rolling restart",
  "sizing: unset → 10M vectors": "rolling restart",
  "nodeSelector: {} → a node label": "rolling restart",
  "tolerations: [] → a toleration": "rolling restart",
  "podSecurity: runAsUser 1000 → 1001": "rolling restart",
  "applyWaitMinutes: 12 → 20": "Job re-run",
  "startupTimeoutSeconds: 300 → 600": "rolling restart",
  'clusterDomain: "cluster.local" → "k8s.local"': "Job re-run",
  "walCapacityMb: unset → 64": "rolling restart",
  "maxRequestSizeMb: unset → 64": "rolling restart",
  "jobImage: another tag": "Job re-run",
  "tls: unset → a certificate Secret": "rolling restart",
  "monitoring: ServiceMonitor on": "in place",
  "enforceInternalAuth: true → false (v1.19)": "rolling restart",
  "telemetryEnabled: false → true": "rolling restart",
  'logLevel: "INFO" → "DEBUG"': "rolling restart",
  'logFormat: "json" → "text"': "rolling restart",
  "rolloutWhileUnready: false → true": "nothing",
  "allowScaleDown: false → true": "nothing",
  "allowDestroy: [] → the StatefulSet": "nothing",
};

const key = (row: Row) => `${row.scenario.input}: ${row.scenario.change}`;
const detail = (row: Row, address: string) => row.details.find((d) => d.address === address);

describe("change impact of every input (README: What a change does)", () => {
  let rows: Row[];
  beforeAll(() => {
    rows = changeImpactRows();
  }, 120000);

  it("has a row for every input", () => {
    const covered = new Set(SCENARIOS.map((s) => s.input));
    expect(Object.keys(qdrantInputShape).filter((k) => !covered.has(k as never))).toEqual([]);
  });

  it("classifies every change as expected by hand", () => {
    expect(Object.fromEntries(rows.map((row) => [key(row), row.headline]))).toEqual(EXPECTED);
  });

  it("commonLabels rolls the pods one at a time; the claim templates, with fixed labels, do not change", () => {
    const row = rows.find((r) => r.scenario.input === "commonLabels") as Row;
    expect(detail(row, "kubernetes_stateful_set_v1.qdrant")).toEqual({ address: "kubernetes_stateful_set_v1.qdrant", effect: "rolling restart", what: "pod template changes: pods restart one at a time" });
    expect(row.details.filter((d) => d.effect === "never applied" || d.effect === "refused" || d.effect === "replaced")).toEqual([]);
  });

  it("storageSize is refused at plan while the StatefulSet runs, with the procedure that grows the volumes", () => {
    const row = rows.find((r) => r.scenario.input === "storageSize") as Row;
    expect(detail(row, "kubernetes_stateful_set_v1.qdrant")?.what).toBe("claim templates cannot change: refused at plan while the StatefulSet runs");
    expect(row.scenario.procedure).toMatch(/^docs\/runbook\.md "Grow the volumes"/);
  });

  it("replaces the StatefulSet for no input but the renames, and those are refused by the plan guard", () => {
    const replacing = rows.filter((r) => r.details.some((d) => d.address === "kubernetes_stateful_set_v1.qdrant" && /replaced|deleted/.test(d.what)));
    expect(replacing.map(key)).toEqual(['customerName: "acme" → "initech"', 'resourceName: unset → "search"', 'namespace: "qdrant" → "search"']);
    for (const row of replacing) expect(detail(row, "kubernetes_stateful_set_v1.qdrant")?.effect).toBe("refused");
  });

  it("gives every refused row a safe procedure, or says why the refusal is the answer", () => {
    const refused = rows.filter((r) => r.headline === "refused");
    expect(refused.filter((r) => !r.scenario.procedure).map(key)).toEqual([]);
  });

  it("is the table in README.md (run `npm run docs` after changing an input or a scenario)", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    expect(withGeneratedSections(readme, { "change-impact": changeImpactMarkdown(rows) })).toBe(readme);
  });
});

describe("the classifier against the provider semantics (provider-facts.json)", () => {
  const base = synthDeployment({ replicas: 3 });
  const edit = (json: Json, change: (copy: Json) => void): Json => {
    const copy = JSON.parse(JSON.stringify(json)) as Json;
    change(copy);
    return copy;
  };
  const sts = (json: Json) => json.resource.kubernetes_stateful_set_v1.qdrant;
  const impactOn = (after: Json, address: string) => changeImpact(base, after).find((i) => i.address === address);

  it("a claim template's labels or size, without ignore_changes: planned in place, never sent (hashicorp/terraform-provider-kubernetes#2049)", () => {
    const after = edit(base, (j) => {
      delete sts(j).lifecycle.ignore_changes;
      sts(j).spec.volume_claim_template[0].metadata.labels.team = "search";
      sts(j).spec.volume_claim_template[0].spec.resources.requests.storage = "80Gi";
    });
    const impact = impactOn(after, "kubernetes_stateful_set_v1.qdrant");
    expect(impact?.action).toBe("never applied");
    expect(effectOf(impact as never).effect).toBe("never applied");
  });

  it("the same with ignore_changes on the claim templates: nothing but the check at plan", () => {
    const after = edit(base, (j) => (sts(j).spec.volume_claim_template[0].spec.resources.requests.storage = "80Gi"));
    const impact = impactOn(after, "kubernetes_stateful_set_v1.qdrant");
    expect(impact?.action).toBe("ignored");
    expect(effectOf(impact as never).what).toBe("claim templates cannot change: refused at plan while the StatefulSet runs");
  });

  it("ForceNew fields of the StatefulSet replace it: service_name, pod_management_policy, selector, a claim template's class, one more claim template", () => {
    const changes: ((j: Json) => void)[] = [
      (j) => (sts(j).spec.service_name = "other"),
      (j) => (sts(j).spec.pod_management_policy = "OrderedReady"),
      (j) => (sts(j).spec.selector.match_labels.extra = "x"),
      (j) => {
        delete sts(j).lifecycle.ignore_changes;
        sts(j).spec.volume_claim_template[1].spec.storage_class_name = "other";
      },
      (j) => {
        delete sts(j).lifecycle.ignore_changes;
        sts(j).spec.volume_claim_template.push(sts(j).spec.volume_claim_template[1]);
      },
    ];
    for (const change of changes) expect(impactOn(edit(base, change), "kubernetes_stateful_set_v1.qdrant")?.action).toBe("replace");
  });

  it("the pod template and the replica count update the StatefulSet in place", () => {
    const after = edit(base, (j) => {
      sts(j).spec.template.spec.container[0].image = "qdrant/qdrant:v1.19.1";
      sts(j).spec.replicas = "4";
    });
    expect(impactOn(after, "kubernetes_stateful_set_v1.qdrant")?.changes.map((c) => [c.path, c.forceNew])).toEqual([
      ["spec.replicas", false],
      ["spec.template.spec.container.image", false],
    ]);
  });

  it("a Job's container fields replace it (podSpecFields(false)); its pod template's annotations would never be sent", () => {
    const job = (j: Json) => j.resource.kubernetes_job_v1.qdrant_init;
    const env = edit(base, (j) => (job(j).spec.template.spec.container[0].env[0].value = "http://other:6333"));
    expect(impactOn(env, "kubernetes_job_v1.qdrant_init")?.action).toBe("replace");
    const annotation = edit(base, (j) => {
      delete job(j).lifecycle;
      job(j).spec.template.metadata.annotations["checksum/collections"] = "other";
    });
    expect(impactOn(annotation, "kubernetes_job_v1.qdrant_init")?.action).toBe("never applied");
  });

  it("a CronJob's pod template updates in place (the whole spec is sent)", () => {
    const backup = synthDeployment({ replicas: 3, backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks" });
    const after = edit(backup, (j) => (j.resource.kubernetes_cron_job_v1.qdrant_backup.spec.job_template.spec.template.spec.container[0].image = "alpine/k8s:1.34.0"));
    expect(changeImpact(backup, after).find((i) => i.address === "kubernetes_cron_job_v1.qdrant_backup")?.action).toBe("update");
  });

  it("a PVC grows in place and is replaced when it shrinks (the provider's CustomizeDiff)", () => {
    const pvc = synthDeployment({ backupEnabled: true, backupTarget: "pvc", backupVolumeSize: "400Gi" });
    const sized = (size: string) => edit(pvc, (j) => (j.resource.kubernetes_persistent_volume_claim_v1.qdrant_backups.spec.resources.requests.storage = size));
    expect(changeImpact(pvc, sized("800Gi")).find((i) => i.type === "kubernetes_persistent_volume_claim_v1")?.action).toBe("update");
    expect(changeImpact(pvc, sized("200Gi")).find((i) => i.type === "kubernetes_persistent_volume_claim_v1")?.action).toBe("replace");
  });

  it("what reads a computed attribute of a replaced resource changes with it; what reads a configured one does not", () => {
    // A new random_password: the Secret's data and the pods' checksum annotation follow (unknown until apply).
    const keys = edit(base, (j) => (j.resource.random_password.qdrant_api_key.length = 64));
    expect(impactOn(keys, "random_password.qdrant_api_key")?.action).toBe("replace");
    expect(impactOn(keys, "kubernetes_secret_v1.qdrant_api_key")?.action).toBe("update");
    expect(impactOn(keys, "kubernetes_stateful_set_v1.qdrant")?.changes.map((c) => c.path)).toEqual(["spec.template.metadata.annotations.checksum/api-keys"]);
    // A replaced headless Service keeps its configured name, so the StatefulSet's service_name (ForceNew) stays known.
    const service = edit(base, (j) => (j.resource.kubernetes_service_v1.qdrant_headless.spec.cluster_ip = "10.0.0.9"));
    expect(impactOn(service, "kubernetes_service_v1.qdrant_headless")?.action).toBe("replace");
    expect(impactOn(service, "kubernetes_stateful_set_v1.qdrant")).toBeUndefined();
  });
});

describe("the pinned provider facts (lib/terraform/provider-facts.json)", () => {
  /** Every Terraform feature the project has, in stacks and in the module. */
  const stacks = (() => {
    const outdir = mkdtempSync(join(tmpdir(), "facts-"));
    const app = buildApp(join(__dirname, "../../config"), outdir, {});
    app.synth();
    const read = (name: string) => JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Json;
    return [
      read("qdrant-homelab"),
      read("qdrant-acme-corp"),
      read("qdrant-globex"),
      synthesizeModuleStack() as Json,
      synthDeployment({ replicas: 3, tls: { certManagerIssuer: { name: "ca" } }, autoscaling: { enabled: true, maxReplicas: 5, installMetricsServer: true }, monitoring: { serviceMonitor: true, prometheusRule: true } }),
      synthDeployment({ backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks", backupCreateBucket: true, backupKmsKeyArn: "arn:aws:kms:us-east-1:1:key/x", backupIdentity: "podIdentity", backupRestoreTimestamp: "latest", apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "x" }),
      synthDeployment({ tls: { secretName: "tls" }, backupEnabled: true, backupTarget: "pvc", backupVerifySchedule: "0 5 * * 0", enableExternalAccess: true, allowedCidrs: ["10.0.0.0/8"], enableNetworkPolicy: true, networkPolicyClients: [{ cidr: "10.0.0.0/8" }], restrictEgress: true }),
    ];
  })();

  it("know every attribute the project emits (a new one fails here: read its ForceNew in the provider source and pin it)", () => {
    expect(stacks.flatMap(unknownAttributes)).toEqual([]);
  });

  it("report an attribute they do not know", () => {
    const json = JSON.parse(JSON.stringify(stacks[1])) as Json;
    json.resource.kubernetes_stateful_set_v1.qdrant.spec.ordinals = [{ start: 1 }];
    expect(unknownAttributes(json)).toEqual(["kubernetes_stateful_set_v1: spec.ordinals.start"]);
    expect(factFor("kubernetes_stateful_set_v1", ["spec", "service_name"])?.fact.forceNew).toBe(true);
  });

  it("cover every resource type the project emits, each entry naming its source file, at the provider versions the bindings use", () => {
    const stack = new TerraformStack(Testing.app(), "versions");
    new QdrantDeployment(stack, "qdrant", { ...BASE_PROPS, backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks", backupCreateBucket: true, backupIdentity: "podIdentity" });
    const resources = facts.resources as Record<string, { provider: string; attributes: Record<string, { file: string }> }>;
    const providers = facts.providers as Record<string, { version: string }>;
    for (const r of stack.node.findAll().filter((n): n is TerraformResource => n instanceof TerraformResource)) {
      const pinned = resources[r.terraformResourceType];
      expect([r.terraformResourceType, pinned !== undefined]).toEqual([r.terraformResourceType, true]);
      const version = r.terraformGeneratorMetadata?.providerVersion;
      if (version) expect([r.terraformResourceType, providers[pinned.provider].version]).toEqual([r.terraformResourceType, version]);
    }
    const emitted = new Set(stacks.flatMap((json) => Object.keys(json.resource ?? {})));
    expect([...emitted].filter((type) => !resources[type])).toEqual([]);
    for (const [type, r] of Object.entries(resources)) for (const [path, fact] of Object.entries(r.attributes)) expect([type, path, fact.file.length > 0]).toEqual([type, path, true]);
  });
});
