/**
 * The two faces proven equal: for a matrix of inputs (defaults, cluster mode, every optional part on and off, the
 * example configs), the Terraform module (QdrantModuleStack, evaluated by Terraform with the inputs as its
 * variables) accepts the same inputs as QdrantDeployment with literal inputs (what the stacks render), and renders
 * the same Kubernetes and AWS resource bodies, meta-arguments and outputs. Both faces become stand-ins
 * (test/helpers/stand-ins.ts: every resource and data source a local holding its body as Terraform would send it to
 * the provider, dynamic blocks expanded, references resolved, computed attributes a placeholder naming them) and one
 * `terraform console` evaluates them all; their bodies are compared in a canonical form (below). Every difference must
 * be one the README lists as intended (INTENDED, in "Publish it as a Terraform module"): anything else fails, and so
 * does an INTENDED entry that no scenario shows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Aspects, Testing, TerraformStack } from "cdktf";
import { QdrantDeployment } from "../../lib/qdrant-deployment";
import { PodSecurityAspect } from "../../lib/core/pod-security";
import type { QdrantDeploymentInput } from "../../lib/config/schema";
import { synthesizeModuleStack } from "../../lib/module/files";
import { moduleValue } from "../../lib/module/variables";
import { loadStackConfigs } from "../../stacks/config-files";
import { Json, withScriptPlaceholders } from "../helpers/synth";
import { blocksOf, ComputedValue, standInConfig } from "../helpers/stand-ins";
import { evaluateScenarios, requireTerraform } from "../helpers/terraform";

requireTerraform();

const KEY = "k".repeat(40);
const READ_ONLY_KEY = "r".repeat(40);

const base: QdrantDeploymentInput = { customerName: "acme", apiKeySource: "generate", backupS3Bucket: "acme-backups", eksClusterName: "eks-1" };
const cluster: QdrantDeploymentInput = { ...base, replicas: 3 };
const examples = Object.fromEntries(
  loadStackConfigs(join(__dirname, "../../config"), {}).map((config) => {
    // sizing is CDKTF-only (a synth-time estimate); the homelab's v1.13.2 is older than the module runs.
    const { sizing: _sizing, ...inputs } = config.inputs;
    const version = config.kind === "homelab" ? { qdrantVersion: "v1.19.0" } : {};
    return [`example_${config.stackName.replace(/^qdrant-/, "").replace(/-/g, "_")}`, { ...inputs, ...version } as QdrantDeploymentInput];
  }),
);

/**
 * Defaults, cluster mode, every optional part on and off, and the example configs (config/). Parts that do not
 * touch each other share a scenario (each module instance costs Terraform about as much as the next).
 */
const scenarios: Record<string, QdrantDeploymentInput> = {
  defaults: base,
  cluster,
  preferred_affinity_auth_off: { ...cluster, podAntiAffinityMode: "preferred", spreadAcrossZones: false, enableAuthentication: false },
  no_affinity_existing_secret: { ...cluster, enablePodAntiAffinity: false, apiKeySource: "existingSecret", apiKeySecretName: "qdrant-keys" },
  created_bucket_kms_monitoring: {
    ...cluster,
    backupCreateBucket: true,
    backupKmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/abcd",
    backupRetentionDays: 14,
    monitoring: { serviceMonitor: true, prometheusRule: true, scrapeInterval: "15s", labels: { release: "prom" }, metricsPort: 9100 },
  },
  created_bucket_external_no_collections: { ...base, backupCreateBucket: true, collectionsConfig: [], enableExternalAccess: true, allowedCidrs: ["10.0.0.0/8"] },
  pod_identity_restore_secrets_manager: { ...base, backupIdentity: "podIdentity", backupRestoreTimestamp: "latest", apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/acme" },
  irsa_restore_scheduling: {
    ...cluster,
    backupRestoreTimestamp: "20250101_020000",
    tolerations: [
      { key: "dedicated", operator: "Equal", value: "qdrant", effect: "NoSchedule" },
      { key: "spot", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
      { operator: "Exists" },
    ],
    nodeSelector: { "node-type": "memory-optimized", zone: "a" },
  },
  verify_keys_variable: { ...base, backupVerifySchedule: "0 5 * * 0", apiKeySource: "variable" },
  s3_endpoint_one_client: {
    ...base,
    eksClusterName: undefined,
    backupS3Endpoint: "http://minio.minio.svc:9000",
    backupS3CredentialsSecret: "minio-credentials",
    backupScratchSize: "20Gi",
    enableNetworkPolicy: true,
    networkPolicyClients: [{ namespaceSelector: { "kubernetes.io/metadata.name": "open-webui" } }],
  },
  pvc: { ...base, backupTarget: "pvc", backupS3Bucket: "", eksClusterName: undefined, storageClassName: "local-path", backupVolumeSize: "100Gi" },
  pvc_cluster_collections: {
    ...cluster,
    backupTarget: "pvc",
    backupS3Bucket: "",
    eksClusterName: undefined,
    backupScratchStorageClassName: "scratch",
    collectionsConfig: [
      { name: "docs", vectorSize: 768, distance: "Dot", onDisk: true, hnswConfig: { m: 32, efConstruct: 200, fullScanThreshold: 10000, onDisk: true } },
      { name: "codes", vectorSize: 64, quantization: { product: { compression: "x16", alwaysRam: true } }, replicationFactor: 3, writeConsistencyFactor: 2, shardNumber: 6 },
      { name: "bits", vectorSize: 64, quantization: { binary: {} }, payloadIndexes: [{ fieldName: "tenant", fieldSchema: "keyword" }], optimizersConfig: { indexingThreshold: 0 } },
    ],
  },
  network_backups_off: {
    ...cluster,
    backupEnabled: false,
    enableNetworkPolicy: true,
    networkPolicyClients: [{ podSelector: { app: "web" } }, { namespaceSelector: { team: "ai" }, podSelector: { role: "rag" } }, { cidr: "10.1.0.0/16" }],
    restrictEgress: true,
    enableExternalAccess: true,
    allowedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
    monitoringNamespace: "observability",
  },
  everything_else: {
    ...base,
    customerName: "initech",
    resourceName: "vectors",
    namespace: "search",
    createNamespace: false,
    qdrantImage: "registry.example/qdrant",
    qdrantVersion: "v1.17.1",
    storageSize: "200Gi",
    storageType: "io2",
    storageIops: 4000,
    snapshotStorageSize: "300Gi",
    resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "8", memory: "16Gi" } },
    backupSchedule: "30 1 * * *",
    commonLabels: { team: "search", Environment: "prod" },
    podSecurity: { runAsUser: 1001, runAsGroup: 1002, fsGroup: 1003 },
    startupTimeoutSeconds: 900,
    clusterDomain: "cluster.example",
    walCapacityMb: 64,
    maxRequestSizeMb: 128,
    jobImage: "registry.example/k8s-tools:1.0",
    telemetryEnabled: true,
    logLevel: "DEBUG",
    logFormat: "text",
    enforceInternalAuth: false,
  },
  ...examples,
};

/** Inputs both faces must refuse (each names its problem). */
const refusals: Record<string, QdrantDeploymentInput> = {
  created_bucket_with_pvc: { ...base, backupTarget: "pvc", backupS3Bucket: "", eksClusterName: undefined, backupCreateBucket: true },
  created_bucket_with_endpoint: { ...scenarios.s3_endpoint_one_client, backupCreateBucket: true },
  verify_in_cluster_mode: { ...cluster, backupVerifySchedule: "0 5 * * 0" },
  network_policy_without_clients: { ...base, enableNetworkPolicy: true },
  external_access_without_cidrs: { ...base, enableExternalAccess: true },
};

/** The literal face: QdrantDeployment with literal inputs in a plain stack, as a library user (and the app) has it. */
function synthLiteral(props: QdrantDeploymentInput): Json | Error {
  const app = Testing.app();
  const stack = new TerraformStack(app, "literal");
  Aspects.of(stack).add(new PodSecurityAspect());
  try {
    new QdrantDeployment(stack, "qdrant", props);
  } catch (error) {
    return error as Error;
  }
  return JSON.parse(Testing.synth(stack)) as Json;
}

const moduleJson = withScriptPlaceholders(synthesizeModuleStack()) as Json;
/**
 * A Secrets Manager secret's JSON has the two keys (each a placeholder naming it). The upgrade guard's lookup of the
 * running StatefulSet finds none (a first deploy): its `objects` is an empty list, so reading into it fails as it would.
 */
const computed: ComputedValue = (address, attribute) =>
  attribute === ".secret_string"
    ? `jsonencode({ for key in ["api-key", "read-only-api-key"] : key => "<\${key} of ${address}>" })`
    : address.startsWith("data.kubernetes_resources.") && attribute.startsWith(".objects")
      ? `[]${attribute.slice(".objects".length)}`
      : undefined;
const standIn = (json: Json) => JSON.stringify(standInConfig(json, computed), null, 1);
const moduleStandIn = standIn(moduleJson);
const allInputs = { ...scenarios, ...refusals };
const literals = Object.fromEntries(
  Object.entries(allInputs).map(([name, inputs]) => {
    const json = synthLiteral(inputs);
    return [name, json instanceof Error ? json : (withScriptPlaceholders(json) as Json)];
  }),
);
const literal = (name: string): Json => {
  const json = literals[name];
  if (json instanceof Error) throw json;
  return json;
};
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** Values for the literal face's own variables (the API keys of apiKeySource variable). */
const literalVars = (json: Json) => Object.fromEntries(Object.keys(json.variable ?? {}).map((name) => [name, /read_only/.test(name) ? READ_ONLY_KEY : /alt/.test(name) ? "" : KEY]));
const moduleVars = (inputs: QdrantDeploymentInput) => ({
  ...Object.fromEntries(Object.entries(inputs).flatMap(([key, value]) => (value === undefined ? [] : [[snake(key), moduleValue(key as never, value)]]))),
  ...(inputs.apiKeySource === "variable" ? { api_key: KEY } : {}),
});

interface Face {
  bodies: Record<string, unknown[]>;
  outputs: Record<string, unknown>;
  problems: string[];
}

// One terraform run: each scenario's module face, and the stack face of every scenario the stack accepts.
const evaluated = evaluateScenarios(
  Object.fromEntries(
    Object.entries(allInputs).flatMap(([name, inputs]) => [
      ...(literals[name] instanceof Error ? [] : [[`${name}_stack`, { files: { "main.tf.json": standIn(literal(name)) }, vars: literalVars(literal(name)) }]]),
      [`${name}_module`, { files: { "main.tf.json": moduleStandIn }, vars: moduleVars(inputs) }],
    ]),
  ),
) as unknown as Record<string, Face>;
const faces = (scenario: string) => ({ stack: evaluated[`${scenario}_stack`], module: evaluated[`${scenario}_module`] });

// ---- the canonical form: what the provider receives, written one way

/** Block types: keys rendered as lists of objects or as dynamic blocks somewhere (cdktf writes a single block as an object). */
function blockTypes(...jsons: Json[]): Set<string> {
  const types = new Set<string>();
  const walk = (node: unknown, key: string): void => {
    if (Array.isArray(node)) {
      if (node.some((item) => item && typeof item === "object" && !Array.isArray(item))) types.add(key);
      node.forEach((item) => walk(item, key));
    } else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "manifest") continue;
        if (k === "dynamic") Object.keys(v as Json).forEach((t) => types.add(t));
        walk(v, k);
      }
    }
  };
  for (const json of jsons) for (const { body } of blocksOf(json)) walk(body, "");
  return types;
}
const BLOCK_TYPES = blockTypes(moduleJson, ...Object.keys(scenarios).map(literal));
/** Map attributes: empty is unset (the kubernetes provider sends no map, and plans no change between the two). */
const MAP_ATTRIBUTES = new Set(["node_selector", "annotations", "labels"]);

/**
 * Nulls and empty lists left out (Terraform's unset); numbers and bools as strings (the providers' attributes are
 * typed: Terraform converts them); a block always a list; a `*.json` document parsed (the stacks indent it, jsonencode
 * does not: README, "collections.json is compact in the module"); `secret_key_ref.optional = false` left out (the provider's unset: an Optional bool without
 * default, kubernetes/schema_container.go in hashicorp/terraform-provider-kubernetes v2.38.0). A
 * kubernetes_manifest's `manifest` is untyped, so it is compared exactly.
 */
function canonical(value: unknown, key = "", parent = ""): unknown {
  if (value === null || value === undefined) return undefined;
  if (key === "manifest") return value;
  if (typeof value === "string" && /\.json$/.test(key)) return JSON.parse(value) as unknown;
  if (typeof value !== "object") {
    const text = String(value);
    return key === "optional" && parent === "secret_key_ref" && text === "false" ? undefined : text;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => (item && typeof item === "object" && !Array.isArray(item) ? canonicalObject(item as Json, key) : canonical(item)));
    return items.length === 0 ? undefined : items;
  }
  const object = canonicalObject(value as Json, key);
  if (MAP_ATTRIBUTES.has(key) && Object.keys(object).length === 0) return undefined;
  return BLOCK_TYPES.has(key) ? [object] : object;
}

function canonicalObject(value: Json, key: string): Json {
  return Object.fromEntries(
    Object.entries(value)
      .map(([k, v]) => [k, canonical(v, k, key)] as const)
      .filter(([, v]) => v !== undefined),
  );
}

// ---- differences

interface Difference {
  scenario: string;
  /**
   * Resource address or `output.<name>`, then the path inside: `.spec.template...`; `[name=qdrant]` in lists of
   * named blocks (`[order]`: their order); `[+]`/`[-]` an item only the module / only the stack has.
   */
  where: string;
  stack: unknown;
  module: unknown;
}

const keyOf = (item: unknown) => (item && typeof item === "object" && !Array.isArray(item) ? ((item as Json).name ?? (item as Json).alert) : undefined);
const keyed = (items: unknown[]) => items.every((item) => typeof keyOf(item) === "string") && new Set(items.map(keyOf)).size === items.length;

function differences(scenario: string, stack: unknown, module: unknown, where: string, out: Difference[] = []): Difference[] {
  if (JSON.stringify(stack) === JSON.stringify(module)) return out;
  if (Array.isArray(stack) && Array.isArray(module)) {
    if (keyed(stack) && keyed(module)) {
      const field = (stack[0] ?? module[0]) && (stack[0] ?? module[0]).name !== undefined ? "name" : "alert";
      const [s, m] = [new Map(stack.map((i) => [keyOf(i) as string, i])), new Map(module.map((i) => [keyOf(i) as string, i]))];
      for (const k of new Set([...s.keys(), ...m.keys()])) differences(scenario, s.get(k), m.get(k), `${where}[${field}=${k}]`, out);
      const order = (items: unknown[], other: Map<string, unknown>) => items.map((i) => keyOf(i) as string).filter((k) => other.has(k));
      if (JSON.stringify(order(stack, m)) !== JSON.stringify(order(module, s))) out.push({ scenario, where: `${where}[order]`, stack: order(stack, m), module: order(module, s) });
    } else if (stack.length === module.length) {
      stack.forEach((item, i) => differences(scenario, item, module[i], `${where}[${i}]`, out));
    } else {
      const text = (items: unknown[]) => items.map((i) => JSON.stringify(i));
      const [s, m] = [text(stack), text(module)];
      for (const item of m.filter((i) => !s.includes(i))) out.push({ scenario, where: `${where}[+]`, stack: undefined, module: JSON.parse(item) });
      for (const item of s.filter((i) => !m.includes(i))) out.push({ scenario, where: `${where}[-]`, stack: JSON.parse(item), module: undefined });
    }
    return out;
  }
  if (stack && module && typeof stack === "object" && typeof module === "object" && !Array.isArray(stack) && !Array.isArray(module)) {
    for (const k of new Set([...Object.keys(stack), ...Object.keys(module)])) differences(scenario, (stack as Json)[k], (module as Json)[k], `${where}.${k}`, out);
    return out;
  }
  out.push({ scenario, where, stack, module });
  return out;
}

/** Meta-arguments as written: lifecycle (preconditions aside: the module's checks, compared above) and depends_on (on what exists). */
function meta(json: Json, bodies: Record<string, unknown[]>, address: string): Json {
  const block = blocksOf(json).find((b) => b.address === address)?.body ?? {};
  const { precondition: _checks, ...lifecycle } = (block.lifecycle ?? {}) as Json;
  return { lifecycle, depends_on: ((block.depends_on ?? []) as string[]).filter((a) => (bodies[a] ?? []).length > 0) };
}

const found = new Map<string, Difference[]>();
function allDifferences(scenario: string): Difference[] {
  const known = found.get(scenario);
  if (known) return known;
  const { stack, module } = faces(scenario);
  const out: Difference[] = [];
  for (const address of new Set([...Object.keys(stack.bodies), ...Object.keys(module.bodies)])) {
    const [s, m] = [stack.bodies[address] ?? [], module.bodies[address] ?? []];
    if (s.length !== m.length) {
      out.push({ scenario, where: address, stack: s.length === 0 ? "absent" : "present", module: m.length === 0 ? "absent" : "present" });
    } else if (s.length === 1) {
      differences(scenario, canonical(s[0]), canonical(m[0]), address, out);
      differences(scenario, meta(literal(scenario), stack.bodies, address), meta(moduleJson, module.bodies, address), `${address} (meta)`, out);
    }
  }
  for (const name of new Set([...Object.keys(stack.outputs), ...Object.keys(module.outputs)])) {
    differences(scenario, canonical(stack.outputs[name]), canonical(module.outputs[name]), `output.${name}`, out);
  }
  found.set(scenario, out);
  return out;
}

// ---- what the README lists as intended ("Publish it as a Terraform module")

const statefulSetPod = "kubernetes_stateful_set_v1.qdrant.spec.template.spec";
const qdrantContainer = `${statefulSetPod}.container[name=qdrant]`;
const has = (value: unknown, text: string) => JSON.stringify(value).includes(text);

const INTENDED: { readme: string; applies: (inputs: QdrantDeploymentInput) => boolean; explains: (d: Difference) => boolean }[] = [
  {
    readme: "Qdrant runs in cluster mode at any replicas",
    applies: (inputs) => (inputs.replicas ?? 1) === 1,
    explains: (d) =>
      [
        /^kubernetes_config_map_v1\.qdrant_config\.data\.QDRANT__(CLUSTER__ENABLED|CLUSTER__P2P__PORT|SERVICE__ENFORCE_INTERNAL_AUTH|STORAGE__COLLECTION__REPLICATION_FACTOR)$/,
        /^kubernetes_service_v1\.qdrant_headless\.spec\.port\[name=p2p\]$/,
        new RegExp(`^${escape(qdrantContainer)}(\\.port\\[name=p2p\\]|\\.env\\[name=(QDRANT_STATEFULSET|QDRANT_HEADLESS_SERVICE|QDRANT_P2P_PORT)\\]|\\.command|\\.startup_probe\\.http_get\\.path)$`),
        new RegExp(`^${escape(statefulSetPod)}\\.(affinity|topology_spread_constraint)$`),
      ].some((pattern) => pattern.test(d.where)) ||
      (/^kubernetes_network_policy_v1\.qdrant\.spec\.(ingress|egress)\[\+\]$/.test(d.where) && has(d.module, '"6335"')) ||
      // The replication alerts of cluster mode.
      (/^kubernetes_manifest\.qdrant_alerts\.manifest\.spec\.groups\[name=[^\]]+\]\.rules\[alert=Qdrant(ReplicationBelowFactor|ReplicaNotActive|PeerMissing)\]$/.test(d.where) &&
        d.stack === undefined),
  },
  {
    readme: "the backup alert watches the latest scheduled run",
    applies: (inputs) => inputs.monitoring?.prometheusRule === true && inputs.backupEnabled !== false,
    explains: (d) => /^kubernetes_manifest\.qdrant_alerts\.manifest\.spec\.groups\[name=[^\]]+\]\.rules\[alert=QdrantBackupMissing\]\.(expr|annotations\.description)$/.test(d.where),
  },
  {
    readme: 'api_key_source = "variable": the read-only key is generated',
    applies: (inputs) => inputs.apiKeySource === "variable",
    explains: (d) =>
      ["kubernetes_secret_v1.qdrant_api_key.data.read-only-api-key", "random_password.qdrant_api_key", "random_password.qdrant_read_only_api_key"].includes(d.where) ||
      d.where === "kubernetes_stateful_set_v1.qdrant.spec.template.metadata.annotations.checksum/api-keys",
  },
  {
    readme: "the checksums that roll the pods and the init Job are computed differently",
    applies: () => true,
    explains: (d) =>
      [
        "kubernetes_stateful_set_v1.qdrant.spec.template.metadata.annotations.checksum/config",
        "kubernetes_job_v1.qdrant_init.spec.template.metadata.annotations.checksum/collections",
        "kubernetes_job_v1.qdrant_init.spec.template.spec.container[name=collection-init].env[name=COLLECTIONS_CHECKSUM].value",
      ].includes(d.where),
  },
  {
    readme: "the stacks also set prevent_destroy on what the plan guard protects",
    applies: () => true,
    explains: (d) => / \(meta\)\.lifecycle\.prevent_destroy$/.test(d.where) && d.stack === true && d.module === undefined,
  },
  {
    readme: "the plan guard's marker lists every guarded resource the module can create",
    applies: () => true,
    explains: (d) => d.where === "terraform_data.qdrant_plan_guard.input.guarded[+]" && d.stack === undefined,
  },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** How the README names what canonical() treats as equal (a difference the providers do not receive), and collections.json. */
const NORMALISED = ["collections.json is compact in the module", "written differently, sent the same"];

const accepted = Object.keys(scenarios);
const unexplained = (scenario: string) => allDifferences(scenario).filter((d) => !INTENDED.some((i) => i.applies(scenarios[scenario]) && i.explains(d)));
const show = (list: Difference[]) => list.map((d) => `${d.where}: stack ${JSON.stringify(d.stack)}, module ${JSON.stringify(d.module)}`);

describe("the module and the stacks accept the same inputs", () => {
  it.each(Object.keys(allInputs))("%s", (name) => {
    const stackRefuses = literals[name] instanceof Error ? (literals[name] as Error).message : undefined;
    const moduleRefuses = faces(name).module.problems;
    expect({ stackRefuses: stackRefuses !== undefined, moduleRefuses }).toEqual(
      name in refusals ? { stackRefuses: true, moduleRefuses: expect.arrayContaining([expect.any(String)]) } : { stackRefuses: false, moduleRefuses: [] },
    );
  });
});

describe("the module renders what the stacks render", () => {
  it.each(accepted)("%s: every resource body, meta-argument and output, but for the README's intended differences", (name) => {
    expect(show(unexplained(name))).toEqual([]);
  });

  it("lists each intended difference in the README's module section", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Publish it as a Terraform module"), readme.indexOf("\n## ", readme.indexOf("## Publish it as a Terraform module") + 1));
    const missing = [...INTENDED.map((i) => i.readme), ...NORMALISED].filter((label) => !section.includes(`**${label}**`));
    expect(missing).toEqual([]);
  });

  it("shows each intended difference in some scenario (the README's list holds no stale entry)", () => {
    const seen = INTENDED.filter((i) => accepted.some((name) => i.applies(scenarios[name]) && allDifferences(name).some((d) => i.explains(d))));
    expect(seen.map((i) => i.readme)).toEqual(INTENDED.map((i) => i.readme));
  });

  it("rolls the pods and the init Job exactly when what they hash changes, in each face (the checksums differ: README)", () => {
    const body = (bodies: Record<string, unknown[]>, address: string) => bodies[address]?.[0] as Json | undefined;
    const checksums = {
      config: (bodies: Record<string, unknown[]>) => {
        const [configMap, sts] = [body(bodies, "kubernetes_config_map_v1.qdrant_config"), body(bodies, "kubernetes_stateful_set_v1.qdrant")];
        return configMap && sts && { data: configMap.data, checksum: sts.spec.template.metadata.annotations["checksum/config"] };
      },
      collections: (bodies: Record<string, unknown[]>) => {
        const [configMap, job] = [body(bodies, "kubernetes_config_map_v1.qdrant_init"), body(bodies, "kubernetes_job_v1.qdrant_init")];
        const container = job && (canonical(job.spec.template.spec.container) as Json[])[0];
        const peers = container?.env.find((e: Json) => e.name === "EXPECTED_PEERS");
        // What the Job does: its ConfigMap (script and collections), its image, and the peer count it waits for.
        return configMap && container && { data: [configMap.data, container.image, peers], checksum: job.spec.template.metadata.annotations["checksum/collections"] };
      },
    };
    for (const face of ["stack", "module"] as const) {
      for (const [what, read] of Object.entries(checksums)) {
        const rows = accepted.flatMap((name) => {
          const row = read(faces(name)[face].bodies);
          return row ? [{ name, data: JSON.stringify(canonical(row.data)), checksum: row.checksum as string }] : [];
        });
        // Equal data, equal checksum; different data, different checksum.
        const wrong = rows.flatMap((a, i) => rows.slice(i + 1).filter((b) => (a.data === b.data) !== (a.checksum === b.checksum)).map((b) => `${face} ${what}: ${a.name} / ${b.name}`));
        expect(wrong).toEqual([]);
        expect(new Set(rows.map((r) => r.checksum)).size).toBeGreaterThan(2);
      }
    }
  });
});
