import { waitBudget } from "../../lib/terraform/wait-budget";
import { resolveInputs, QdrantConfigError } from "../../lib/config/validate";
import { SEED_PAYLOAD_INDEXES } from "../../lib/config/collections";
import { snakeCase } from "../../lib/config/schema";

const base = { customerName: "acme", apiKeySource: "generate", backupEnabled: false };

function problemsOf(input: unknown): string[] {
  try {
    resolveInputs(input, "config/customers/acme.yaml");
  } catch (error) {
    if (error instanceof QdrantConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a QdrantConfigError");
}

describe("input schema defaults", () => {
  const inputs = resolveInputs(base);

  it("takes the seed's defaults, with v1.19.0 as the Qdrant version", () => {
    expect(inputs).toMatchObject({
      namespace: "qdrant",
      qdrantImage: "qdrant/qdrant",
      qdrantVersion: "v1.19.0",
      replicas: 1,
      storageSize: "50Gi",
      storageType: "gp3",
      enableAuthentication: true,
      backupS3Bucket: "",
      backupSchedule: "0 2 * * *",
      backupRetentionDays: 30,
      podSecurity: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 },
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    });
  });

  it("creates the seed's documents and conversations collections with its six payload indexes", () => {
    expect(inputs.collectionsConfig.map((c) => [c.name, c.vectorSize, c.distance])).toEqual([
      ["documents", 1536, "Cosine"],
      ["conversations", 1536, "Cosine"],
    ]);
    for (const c of inputs.collectionsConfig) {
      expect(c.payloadIndexes).toEqual(SEED_PAYLOAD_INDEXES);
      expect(c.hnswConfig).toEqual({ m: 16, efConstruct: 100, fullScanThreshold: 20000 });
    }
  });

  it("keeps explicit values and fills nested defaults", () => {
    const custom = resolveInputs({ ...base, resources: { requests: { cpu: "250m", memory: "1Gi" } }, collectionsConfig: [{ name: "x", vectorSize: 8, payloadIndexes: [] }] });
    expect(custom.resources.limits).toEqual({ cpu: "4", memory: "8Gi" });
    expect(custom.collectionsConfig[0]).toMatchObject({ name: "x", vectorSize: 8, distance: "Cosine", onDiskPayload: true, payloadIndexes: [] });
  });

  it("derives the seed's snake_case names", () => {
    expect(["customerName", "backupS3Bucket", "collectionsConfig", "enablePodAntiAffinity", "qdrantVersion"].map(snakeCase)).toEqual([
      "customer_name",
      "backup_s3_bucket",
      "collections_config",
      "enable_pod_anti_affinity",
      "qdrant_version",
    ]);
  });
});

describe("input validation", () => {
  const file = "config/customers/acme.yaml";

  it("fails if a name is not a DNS-1123 label", () => {
    expect(problemsOf({ ...base, customerName: "Acme_Corp" })).toEqual([
      `${file}: customerName: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, starting with a letter (it names Services) (got "Acme_Corp")`,
    ]);
    expect(problemsOf({ ...base, namespace: "-qdrant" })).toEqual([
      `${file}: namespace: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (got "-qdrant")`,
    ]);
  });

  it("fails if the derived object names are too long for Kubernetes", () => {
    expect(problemsOf({ ...base, customerName: "a".repeat(40) })).toEqual([
      `${file}: customerName: makes the object name "${"a".repeat(40)}-qdrant" 47 characters long; at most 45, because "${"a".repeat(40)}-qdrant-backup" (a CronJob) must fit Kubernetes' 52-character limit; choose a shorter customerName (or set resourceName) (got "${"a".repeat(40)}")`,
    ]);
  });

  it("fails if replicas < 1", () => {
    expect(problemsOf({ ...base, replicas: 0 })).toEqual([`${file}: replicas: must be a whole number >= 1 (got 0)`]);
    expect(problemsOf({ ...base, replicas: 1.5 })).toEqual([`${file}: replicas: must be a whole number >= 1 (got 1.5)`]);
  });

  it("fails if applyWaitMinutes leaves the init Job no time to wait for Qdrant", () => {
    expect(problemsOf({ ...base, applyWaitMinutes: 4 })).toEqual([`${file}: applyWaitMinutes: must be a whole number >= 5 (got 4)`]);
    // The least allowed budget still gives the Job's waits half a minute each within its 90-second deadline.
    expect(waitBudget(5, 300)).toEqual({ rolloutTimeout: "3m", jobTimeout: "2m", jobDeadlineSeconds: 90, jobWaitSeconds: 30 });
    expect(waitBudget(4, 300).jobWaitSeconds).toBe(0);
  });

  it("fails if a string is not a Kubernetes quantity", () => {
    expect(problemsOf({ ...base, storageSize: "50GB", resources: { requests: { cpu: "one", memory: "2Gi" } } })).toEqual([
      `${file}: storageSize: must be a Kubernetes quantity such as "50Gi" (got "50GB")`,
      `${file}: resources.requests.cpu: must be a Kubernetes quantity such as "500m" (got "one")`,
    ]);
  });

  it("fails if a quantity is one Kubernetes would reject: negative, or a zero limit or volume size", () => {
    const negative = "must not be negative (Kubernetes rejects negative quantities)";
    expect(
      problemsOf({
        ...base,
        storageSize: "0",
        backupScratchSize: "-1Gi",
        resources: { requests: { cpu: "-1", memory: "0" }, limits: { cpu: "0", memory: "-2Gi" } },
      }),
    ).toEqual([
      `${file}: storageSize: must be greater than zero (Kubernetes rejects a volume claim of size zero) (got "0")`,
      `${file}: resources.requests.cpu: ${negative} (got "-1")`,
      `${file}: resources.limits.cpu: must be greater than zero (a container limited to zero cannot run) (got "0")`,
      `${file}: resources.limits.memory: ${negative} (got "-2Gi")`,
      `${file}: backupScratchSize: ${negative} (got "-1Gi")`,
    ]);
  });

  it("fails if limits are below requests", () => {
    expect(problemsOf({ ...base, resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "1500m", memory: "2Gi" } } })).toEqual([
      `${file}: resources.limits.cpu: is below resources.requests.cpu "2"; a limit must be at least the request (got "1500m")`,
      `${file}: resources.limits.memory: is below resources.requests.memory "4Gi"; a limit must be at least the request (got "2Gi")`,
    ]);
  });

  it("fails if vectorSize is outside 1..65536 or the distance is unknown", () => {
    expect(problemsOf({ ...base, collectionsConfig: [{ name: "a", vectorSize: 0 }, { name: "b", vectorSize: 65537, distance: "Cosin" }] })).toEqual([
      `${file}: collectionsConfig[0].vectorSize: must be a whole number from 1 to 65536 (dimensions) (got 0)`,
      `${file}: collectionsConfig[1].vectorSize: must be a whole number from 1 to 65536 (dimensions) (got 65537)`,
      `${file}: collectionsConfig[1].distance: must be one of "Cosine", "Euclid", "Dot", "Manhattan" (got "Cosin")`,
    ]);
  });

  it("fails if collection names repeat", () => {
    expect(problemsOf({ ...base, collectionsConfig: [{ name: "docs", vectorSize: 4 }, { name: "docs", vectorSize: 8 }] })).toEqual([
      `${file}: collectionsConfig[1].name: duplicates collectionsConfig[0].name; collection names must be unique (got "docs")`,
    ]);
  });

  it("fails if the backup schedule is not a cron schedule, naming the bad field", () => {
    expect(problemsOf({ ...base, backupSchedule: "0 25 * * *" })).toEqual([
      `${file}: backupSchedule: must be a cron schedule such as "0 2 * * *" (hour "25" is outside 0-23) (got "0 25 * * *")`,
    ]);
    expect(problemsOf({ ...base, backupSchedule: "daily" })).toEqual([
      `${file}: backupSchedule: must be a cron schedule such as "0 2 * * *" (has 1 field(s); a schedule has 5: minute hour day-of-month month day-of-week) (got "daily")`,
    ]);
  });

  it("fails if backups are on without a bucket", () => {
    expect(problemsOf({ customerName: "acme", apiKeySource: "generate", eksClusterName: "eks" })).toEqual([
      `${file}: backupS3Bucket: is required when backupEnabled is true; name the S3 bucket, or set backupEnabled: false (got "")`,
    ]);
  });

  it("fails if authentication is on without a key source", () => {
    expect(problemsOf({ customerName: "acme", backupEnabled: false })).toEqual([
      `${file}: apiKeySource: is required when enableAuthentication is true: "generate" (random keys kept in Terraform state), "variable" (sensitive Terraform variables), or "existingSecret" with apiKeySecretName; or set enableAuthentication: false`,
    ]);
    expect(problemsOf({ ...base, apiKeySource: "existingSecret" })).toEqual([
      `${file}: apiKeySecretName: is required when apiKeySource is "existingSecret": the Secret holding api-key and read-only-api-key`,
    ]);
  });

  it("fails if an API key is a literal, without echoing it", () => {
    const problems = problemsOf({ ...base, apiKeySource: undefined, apiKey: "s3cr3t-literal-key" });
    expect(problems).toEqual([
      `${file}: apiKey: is a literal key, which would be written in plain text into the synthesized Terraform JSON and the config; set apiKeySource to generate, variable or existingSecret instead (or pass a Terraform variable's value) (got "(hidden)")`,
    ]);
    expect(problems.join()).not.toContain("s3cr3t");
  });

  it("fails on unknown keys, suggesting the closest one", () => {
    expect(problemsOf({ ...base, replcas: 3, collectionsConfig: [{ name: "a", vectorSize: 4, hnswConfig: { ef_construct: 10 } }] })).toEqual([
      `${file}: collectionsConfig[0].hnswConfig.ef_construct: is not a known key (a typo is never ignored); did you mean "efConstruct"? allowed keys: m, efConstruct, fullScanThreshold, onDisk`,
      `${file}: replcas: is not a known key (a typo is never ignored); did you mean "replicas"? see the inputs table in README.md for the allowed keys`,
    ]);
  });

  it("reports every problem at once, including cross-field ones", () => {
    const problems = problemsOf({ customerName: "acme", eksClusterName: "eks", replicas: 0, typo: true, resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } });
    expect(problems).toHaveLength(5);
    expect(problems.map((p) => p.split(": ")[1])).toEqual(["replicas", "typo", "resources.limits.cpu", "apiKeySource", "backupS3Bucket"]);
  });

  it("fails if replicationFactor exceeds replicas or writeConsistencyFactor exceeds replicationFactor", () => {
    expect(problemsOf({ ...base, replicas: 2, collectionsConfig: [{ name: "a", vectorSize: 4, replicationFactor: 3, writeConsistencyFactor: 4 }] })).toEqual([
      `${file}: collectionsConfig[0].replicationFactor: exceeds replicas (2); Qdrant cannot place more copies of a shard than there are peers (got 3)`,
      `${file}: collectionsConfig[0].writeConsistencyFactor: exceeds replicationFactor (3); a write cannot wait for more replicas than exist (got 4)`,
    ]);
  });

  it("fails if storageType is set beside storageClassName, or io2 has no IOPS", () => {
    expect(problemsOf({ ...base, storageClassName: "local-path", storageType: "gp3" })).toEqual([
      `${file}: storageType: only applies to the StorageClass this module creates, but storageClassName selects an existing one; remove one of the two (got "gp3")`,
    ]);
    expect(problemsOf({ ...base, storageType: "io2" })).toEqual([
      `${file}: storageIops: is required when storageType is "io2" (provisioned-IOPS volumes need an IOPS figure)`,
    ]);
  });

  it("fails if quantization names no method or two", () => {
    expect(problemsOf({ ...base, collectionsConfig: [{ name: "a", vectorSize: 4, quantization: {} }] })).toEqual([
      `${file}: collectionsConfig[0].quantization: must set exactly one of scalar, product or binary (got {})`,
    ]);
  });

  it("fails if the input is not a mapping", () => {
    expect(problemsOf(["customerName"])).toEqual([`${file}: (top level): must be a mapping of input names to values (got ["customerName"])`]);
  });

  it("says which problems there are in the error message", () => {
    expect(() => resolveInputs({ ...base, replicas: 0 })).toThrow("Invalid Qdrant configuration (1 problem):\n  - replicas: must be a whole number >= 1 (got 0)");
  });
});

describe("network and key-source validation", () => {
  const file = "config/customers/acme.yaml";

  it("fails if network policy is on with no clients, or external access has no CIDRs", () => {
    expect(problemsOf({ ...base, enableNetworkPolicy: true, enableExternalAccess: true })).toEqual([
      `${file}: networkPolicyClients: is empty while enableNetworkPolicy is true, so no client could reach Qdrant; list the clients (podSelector, namespaceSelector or cidr), or set enableNetworkPolicy: false (got [])`,
      `${file}: allowedCidrs: is required when enableExternalAccess is true: the source ranges the LoadBalancer accepts (an open LoadBalancer is never the default) (got [])`,
    ]);
  });

  it("fails on malformed clients and CIDRs", () => {
    expect(problemsOf({ ...base, enableNetworkPolicy: true, networkPolicyClients: [{}, { cidr: "10.0.0.0/33" }, { cidr: "10.0.0.0/8", podSelector: { a: "b" } }], restrictEgress: true })).toEqual([
      `${file}: networkPolicyClients[0]: must set podSelector, namespaceSelector or cidr (got {})`,
      `${file}: networkPolicyClients[1].cidr: must be an IPv4 CIDR such as "10.0.0.0/16" (got "10.0.0.0/33")`,
      `${file}: networkPolicyClients[2]: cidr cannot be combined with selectors; list it as a separate client (got {"cidr":"10.0.0.0/8","podSelector":{"a":"b"}})`,
    ]);
    expect(problemsOf({ ...base, restrictEgress: true })).toEqual([`${file}: restrictEgress: needs enableNetworkPolicy: true (egress rules are NetworkPolicies) (got true)`]);
  });

  it("fails if the Secrets Manager source has no secret id", () => {
    expect(problemsOf({ ...base, apiKeySource: "awsSecretsManager" })).toEqual([
      `${file}: apiKeySecretsManagerId: is required when apiKeySource is "awsSecretsManager": the secret whose JSON has api-key and read-only-api-key`,
    ]);
  });
});

describe("resources with defaults", () => {
  it("names the request a limit falls below, also when it is the default", () => {
    expect(problemsOf({ ...base, resources: { limits: { cpu: "4", memory: "1Gi" } } })).toEqual([
      `config/customers/acme.yaml: resources.limits.memory: is below resources.requests.memory "2Gi"; a limit must be at least the request (got "1Gi")`,
    ]);
  });
});

describe("backup validation", () => {
  const file = "config/customers/acme.yaml";
  const backup = { customerName: "acme", apiKeySource: "generate", backupS3Bucket: "bkt" };

  it("fails for S3 outside EKS without an endpoint, and for an endpoint without credentials", () => {
    expect(problemsOf(backup)).toEqual([
      `${file}: eksClusterName: is required for backups to AWS S3: the backup pods reach S3 through IRSA or Pod Identity on that EKS cluster; set it, or use backupS3Endpoint (with backupS3CredentialsSecret) or backupTarget: pvc, or set backupEnabled: false`,
    ]);
    expect(problemsOf({ ...backup, backupS3Endpoint: "http://minio.minio:9000" })).toEqual([
      `${file}: backupS3CredentialsSecret: is required with backupS3Endpoint: the Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    ]);
  });

  it("fails on options that do not fit together", () => {
    const kms = "arn:aws:kms:eu-west-1:1:key/x";
    expect(problemsOf({ ...backup, backupTarget: "pvc", backupKmsKeyArn: kms, backupRestoreTimestamp: "2026" })).toEqual([
      `${file}: backupRestoreTimestamp: must be a backup timestamp YYYYMMDD_HHMMSS or "latest" (got "2026")`,
      `${file}: backupKmsKeyArn: only applies to AWS S3 backups (the key of a created bucket, or of an existing SSE-KMS bucket); remove it with backupS3Endpoint or backupTarget: pvc (got "${kms}")`,
    ]);
    // An existing SSE-KMS bucket: the key is for the backup role.
    expect(() => resolveInputs({ ...backup, eksClusterName: "eks", backupKmsKeyArn: kms })).not.toThrow();
    expect(problemsOf({ ...base, backupVerifySchedule: "0 5 * * 0" })).toEqual([`${file}: backupVerifySchedule: needs backupEnabled: true (it reads the backups) (got "0 5 * * 0")`]);
  });

  it("creates a bucket only for AWS S3 (the module refuses the same: test/module/faces.test.ts)", () => {
    const message = `${file}: backupCreateBucket: creates an AWS S3 bucket; it cannot create one on backupS3Endpoint or for backupTarget: pvc (got true)`;
    expect(problemsOf({ ...backup, backupTarget: "pvc", backupS3Bucket: undefined, backupCreateBucket: true })).toEqual([message]);
    expect(problemsOf({ ...backup, backupS3Endpoint: "http://minio.minio:9000", backupS3CredentialsSecret: "minio", backupCreateBucket: true })).toEqual([message]);
  });

  it("needs no bucket for a PVC target", () => {
    expect(() => resolveInputs({ customerName: "acme", apiKeySource: "generate", backupTarget: "pvc" })).not.toThrow();
  });
});

describe("names, labels and partial resources", () => {
  const file = "config/customers/acme.yaml";

  it("fails on a customer name that cannot name a Service", () => {
    expect(problemsOf({ ...base, customerName: "3m" })).toEqual([
      `${file}: customerName: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, starting with a letter (it names Services) (got "3m")`,
    ]);
  });

  it("fails on label keys and values Kubernetes rejects", () => {
    expect(problemsOf({ ...base, commonLabels: { Project: "ai assistant", "bad key!": "x" } })).toEqual([
      `${file}: commonLabels.Project: label values are up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit (got "ai assistant")`,
      `${file}: commonLabels.bad key!: label keys are [prefix/]name: name up to 63 letters, digits, '-', '_', '.' (got "bad key!")`,
    ]);
  });

  it("fills each resource field it is not given", () => {
    expect(resolveInputs({ ...base, resources: { limits: { cpu: "8" } } }).resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "8", memory: "8Gi" } });
  });

  it("lets an explicit memory request raise a defaulted limit when sizing is on", () => {
    const inputs = resolveInputs({ ...base, sizing: { expectedVectors: 1000 }, resources: { requests: { memory: "16Gi" } } });
    expect(inputs.resources.requests.memory).toBe("16Gi");
    expect(inputs.resources.limits.memory).toBe("16Gi");
  });
});

describe("bucket names", () => {
  it.each(["a..b", "192.168.1.1", "Bucket", "ab"])("fails on %s", (bucket) => {
    expect(problemsOf({ ...base, eksClusterName: "eks", backupEnabled: true, backupS3Bucket: bucket })).toEqual([
      `config/customers/acme.yaml: backupS3Bucket: must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', no '..', not an IP address (got "${bucket}")`,
    ]);
  });
});
