/**
 * The catalogue of cross-field rules (lib/config/rules): both faces of every rule on one matrix of scenarios. The
 * stacks' face runs in TypeScript (the same validation props and config files get); the module's face runs through
 * the real terraform binary: variables.tf and one output per rule whose precondition is the rule's condition and
 * error message, all scenarios in one `terraform plan` (planScenarios). For each scenario both faces must find
 * exactly the rules it expects, and the module must print, for each, the message the stacks print: the same words
 * and values in its own names (the first item, where the stacks report every item of a list).
 */
import { Token } from "cdktf";
import { RULE_CATALOGUE, moduleRules } from "../../lib/config/rules";
import { CrossFieldRule, fill, Problem, runsInModule, runsInStacks, wordsIn } from "../../lib/config/rules/rule";
import { CROSS_FIELD_RULES } from "../../lib/config/rules";
import { qdrantInputSchema, qdrantInputShape, snakeCase } from "../../lib/config/schema";
import { collectProblems } from "../../lib/config/validate";
import { MODULE_EXCLUDED_INPUTS, MODULE_INPUTS, moduleValue, moduleVariables, renderVariablesTf } from "../../lib/module/variables";
import { planScenarios, requireTerraform, TerraformDiagnostic } from "../helpers/terraform";

type Inputs = Record<string, unknown>;
interface Scenario {
  name: string;
  inputs: Inputs;
  /** The rules it breaks (each face checks those it runs). */
  breaks: string[];
  /** Rules the stacks find and the module cannot (each must be a declared moduleGap). */
  moduleMisses?: string[];
  /** Stacks only: inputs the module cannot take (autoscaling; a Terraform expression as apiKey). */
  stacksOnly?: boolean;
}

const BASE: Inputs = { customerName: "acme", apiKeySource: "generate", backupEnabled: false };
const KEY = "k".repeat(40);
const BACKUPS = { backupEnabled: true, backupS3Bucket: "acme-backups", eksClusterName: "eks" };

const SCENARIOS: Scenario[] = [
  { name: "defaults_backups_off", inputs: {}, breaks: [] },
  { name: "long_customer_name", inputs: { customerName: "a".repeat(39) }, breaks: ["names.customer-name-length"] },
  { name: "long_resource_name", inputs: { customerName: "a".repeat(39), resourceName: "r".repeat(46) }, breaks: ["names.resource-name-length"] },
  { name: "short_resource_name", inputs: { resourceName: "r".repeat(45) }, breaks: [] },
  {
    name: "limits_below_requests",
    inputs: { resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "1500m", memory: "2Gi" } } },
    breaks: ["resources.cpu-limit-below-request", "resources.memory-limit-below-request"],
  },
  { name: "limit_below_default_request", inputs: { resources: { limits: { memory: "1Gi" } } }, breaks: ["resources.memory-limit-below-request"] },
  { name: "limits_equal_requests", inputs: { resources: { requests: { cpu: "1000m", memory: "1Gi" }, limits: { cpu: "1", memory: "1024Mi" } } }, breaks: [] },
  { name: "io2_without_iops", inputs: { storageType: "io2" }, breaks: ["storage.iops-required"] },
  { name: "io1_with_iops", inputs: { storageType: "io1", storageIops: 3000 }, breaks: [] },
  {
    name: "gp2_iops_existing_class",
    inputs: { storageType: "gp2", storageIops: 100, storageClassName: "local-path" },
    breaks: ["storage.type-with-existing-class", "storage.iops-with-existing-class", "storage.iops-with-gp2"],
  },
  { name: "gp3_beside_existing_class", inputs: { storageType: "gp3", storageClassName: "local-path" }, breaks: ["storage.type-with-existing-class"], moduleMisses: ["storage.type-with-existing-class"] },
  { name: "existing_class_alone", inputs: { storageClassName: "local-path" }, breaks: [] },
  { name: "volumes_below_1gi", inputs: { storageSize: "512Mi", snapshotStorageSize: "100Mi" }, breaks: ["storage.data-volume-at-least-1gi", "storage.snapshot-volume-at-least-1gi"] },
  { name: "volumes_of_1gi", inputs: { storageSize: "1Gi", snapshotStorageSize: "1024Mi" }, breaks: [] },
  { name: "literal_key_and_generate", inputs: { apiKey: KEY }, breaks: ["auth.literal-key", "auth.key-with-other-source"] },
  { name: "key_expression", inputs: { apiKeySource: undefined, apiKey: Token.asString({ variable: "key" }) }, breaks: [], stacksOnly: true },
  { name: "no_key_source", inputs: { apiKeySource: undefined }, breaks: ["auth.source-required"] },
  { name: "existing_secret_without_name", inputs: { apiKeySource: "existingSecret" }, breaks: ["auth.secret-name-required"] },
  { name: "existing_secret_with_name", inputs: { apiKeySource: "existingSecret", apiKeySecretName: "keys" }, breaks: [] },
  { name: "secrets_manager_without_id", inputs: { apiKeySource: "awsSecretsManager" }, breaks: ["auth.secrets-manager-id-required"] },
  { name: "secrets_manager_with_id", inputs: { apiKeySource: "awsSecretsManager", apiKeySecretsManagerId: "qdrant/keys" }, breaks: [] },
  {
    name: "settings_of_other_sources",
    inputs: { apiKeySecretName: "keys", apiKeySecretsManagerId: "qdrant/keys" },
    breaks: ["auth.secret-name-unused", "auth.secrets-manager-id-unused"],
  },
  { name: "variable_source_without_key", inputs: { apiKeySource: "variable" }, breaks: ["auth.variable-key-required"] },
  { name: "variable_source_with_key", inputs: { apiKeySource: "variable", apiKey: KEY }, breaks: ["auth.literal-key", "auth.key-with-variable-source"] },
  { name: "backups_without_bucket_or_cluster", inputs: { backupEnabled: true }, breaks: ["backup.bucket-required", "backup.aws-s3-needs-eks"] },
  { name: "bucket_with_double_dot", inputs: { ...BACKUPS, backupS3Bucket: "my..bucket" }, breaks: ["backup.bucket-name"] },
  { name: "bucket_like_an_ip_address", inputs: { ...BACKUPS, backupS3Bucket: "192.168.1.1" }, breaks: ["backup.bucket-name"] },
  {
    name: "endpoint_without_credentials_bucket_to_create",
    inputs: { backupEnabled: true, backupS3Bucket: "minio-backups", backupS3Endpoint: "http://minio.minio:9000", backupCreateBucket: true },
    breaks: ["backup.endpoint-needs-credentials", "backup.created-bucket-on-aws-s3"],
  },
  { name: "endpoint_with_credentials", inputs: { backupEnabled: true, backupS3Bucket: "b-1", backupS3Endpoint: "http://minio.minio:9000", backupS3CredentialsSecret: "minio" }, breaks: [] },
  // The drift the catalogue ended: the stacks ignored the bucket to create, the module refused it.
  { name: "pvc_with_bucket_to_create", inputs: { backupEnabled: true, backupTarget: "pvc", backupCreateBucket: true }, breaks: ["backup.created-bucket-on-aws-s3"] },
  { name: "pvc_with_kms_key", inputs: { backupEnabled: true, backupTarget: "pvc", backupKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234" }, breaks: ["backup.kms-needs-aws-s3"] },
  { name: "pvc_without_bucket", inputs: { backupEnabled: true, backupTarget: "pvc" }, breaks: [] },
  {
    name: "backup_extras_without_prerequisites",
    inputs: { replicas: 3, backupKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234", backupRestoreTimestamp: "latest", backupVerifySchedule: "0 5 * * 0", restrictEgress: true },
    breaks: ["backup.verify-single-node", "backup.restore-needs-backups", "backup.verify-needs-backups", "network.egress-needs-policy"],
  },
  {
    name: "backup_extras_with_prerequisites",
    inputs: {
      ...BACKUPS,
      backupCreateBucket: true,
      backupKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234",
      backupRestoreTimestamp: "20260101_020000",
      backupVerifySchedule: "0 5 * * 0",
      enableNetworkPolicy: true,
      networkPolicyClients: [{ cidr: "10.0.0.0/8" }],
      restrictEgress: true,
    },
    breaks: [],
  },
  {
    name: "collections_that_break_every_rule",
    inputs: {
      collectionsConfig: [
        { name: "docs", vectorSize: 4, replicationFactor: 2, payloadIndexes: [{ fieldName: "a", fieldSchema: "keyword" }, { fieldName: "b", fieldSchema: "text" }, { fieldName: "a", fieldSchema: "text" }] },
        { name: "docs", vectorSize: 4, writeConsistencyFactor: 3, replicationFactor: 1 },
        { name: "other", vectorSize: 4, replicationFactor: 3, payloadIndexes: [] },
        { name: "docs", vectorSize: 4, payloadIndexes: [{ fieldName: "x", fieldSchema: "keyword" }, { fieldName: "x", fieldSchema: "keyword" }] },
      ],
    },
    breaks: ["collections.unique-names", "collections.replication-within-replicas", "collections.write-consistency-within-replication", "collections.unique-payload-indexes"],
  },
  {
    name: "collections_within_the_cluster",
    inputs: {
      replicas: 3,
      collectionsConfig: [
        { name: "documents", vectorSize: 4, replicationFactor: 3, writeConsistencyFactor: 3 },
        { name: "conversations", vectorSize: 4, writeConsistencyFactor: 2 },
      ],
    },
    breaks: [],
  },
  { name: "write_consistency_over_default", inputs: { collectionsConfig: [{ name: "a", vectorSize: 4, writeConsistencyFactor: 2 }] }, breaks: ["collections.write-consistency-within-replication"] },
  { name: "policy_and_lb_without_sources", inputs: { enableNetworkPolicy: true, enableExternalAccess: true }, breaks: ["network.clients-required", "network.cidrs-required"] },
  { name: "lb_with_cidrs", inputs: { enableExternalAccess: true, allowedCidrs: ["10.0.0.0/8"] }, breaks: [] },
  { name: "autoscaling_one_pod", inputs: { autoscaling: { enabled: true, maxReplicas: 2 } }, breaks: ["autoscaling.needs-cluster-mode"], stacksOnly: true },
  { name: "autoscaling_max_at_replicas", inputs: { replicas: 3, autoscaling: { enabled: true, maxReplicas: 3 } }, breaks: ["autoscaling.max-above-replicas"], stacksOnly: true },
  { name: "autoscaling_in_bounds", inputs: { replicas: 2, autoscaling: { enabled: true, maxReplicas: 4 } }, breaks: [], stacksOnly: true },
  { name: "cluster_mode_off_with_pods", inputs: { replicas: 3, clusterMode: false }, breaks: ["cluster.several-pods-need-cluster-mode"], stacksOnly: true },
  { name: "one_peer_cluster", inputs: { replicas: 1, clusterMode: true }, breaks: [], stacksOnly: true },
];

const inputsOf = (s: Scenario): Inputs => Object.fromEntries(Object.entries({ ...BASE, ...s.inputs }).filter(([, v]) => v !== undefined));
const byId = new Map(RULE_CATALOGUE.map((rule) => [rule.id, rule]));
const rule = (id: string) => byId.get(id) ?? (() => { throw new Error(`no rule ${id}`); })();

/** A stacks problem's path in the module's names: customer_name, collections_config[1].payload_indexes[2].field_name. */
const modulePath = (path: readonly PropertyKey[]) => path.map((part) => (typeof part === "number" ? `[${part}]` : `.${snakeCase(String(part))}`)).join("").slice(1);

/** What the module must print for the stacks' first problem of a rule: the same values, in the module's names. */
function moduleText(r: CrossFieldRule, problem: Problem | undefined, parsed: Inputs): string {
  const path = problem?.path ?? r.field.split(".");
  const lists = r.field.split("[]").length - 1;
  const indexes = path.filter((part): part is number => typeof part === "number");
  const items = indexes.slice(0, lists).reduce<{ node: unknown; items: unknown[] }>(
    (at, index, level) => {
      const key = r.field.split("[]")[level].replace(/^\./, "");
      const item = (at.node as Inputs)[key] as unknown[];
      return { node: item[index], items: [...at.items, item[index]] };
    },
    { node: parsed, items: [] },
  ).items;
  const values = (name: string) => String(r.values?.[name].stacks(parsed, { items, indexes }));
  return `${modulePath(path)} ${fill(wordsIn("module", r.message), values)}.`;
}

describe("the rule catalogue", () => {
  const moduleVariableNames = new Set(moduleVariables().map((v) => v.name));

  it("gives every rule one id, and every id one rule", () => {
    const ids = RULE_CATALOGUE.map((r) => r.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
  });

  it("says why, for each rule only one face runs", () => {
    const oneFace = RULE_CATALOGUE.filter((r) => !runsInStacks(r) || !runsInModule(r));
    for (const r of oneFace) expect([r.id, ((runsInStacks(r) ? r.module : r.stacks) as { why: string }).why]).toEqual([r.id, expect.stringMatching(/.{20,}/)]);
    expect(oneFace.map((r) => r.id)).toEqual(["auth.literal-key", "auth.source-required", "auth.key-with-variable-source", "auth.variable-key-required", "autoscaling.needs-cluster-mode", "autoscaling.max-above-replicas", "cluster.several-pods-need-cluster-mode"]);
  });

  it("keeps rules on inputs the module does not have out of the module, and the module's rules on its variables", () => {
    for (const r of RULE_CATALOGUE) {
      const input = r.field.split(/[.[]/)[0];
      expect(input in qdrantInputShape).toBe(true);
      if ((MODULE_EXCLUDED_INPUTS as string[]).includes(input)) expect([r.id, runsInModule(r)]).toEqual([r.id, false]);
    }
    const referenced = moduleRules().flatMap((r) => [...`${r.condition} ${r.errorMessage}`.matchAll(/\bvar\.(\w+)/g)].map((m) => m[1]));
    expect(referenced.filter((name) => !moduleVariableNames.has(name))).toEqual([]);
  });

  it("writes the module's messages in the module's names", () => {
    for (const { id, errorMessage } of moduleRules()) {
      // No camelCase name outside the template's expressions and quoted values ("awsSecretsManager").
      const words = errorMessage.replace(/\$\{[^}]*\}/g, "").replace(/"[^"]*"/g, "");
      expect([id, words.match(/\b[a-z]+[A-Z]\w*/g) ?? []]).toEqual([id, []]);
      expect([id, errorMessage]).toEqual([id, expect.stringMatching(/^[a-z0-9_]+[ [.].*\.$/)]);
    }
  });

  it("marks a gap only where the module cannot see the difference", () => {
    expect(RULE_CATALOGUE.filter((r) => r.moduleGap).map((r) => r.id)).toEqual(["storage.type-with-existing-class"]);
    for (const s of SCENARIOS) for (const id of s.moduleMisses ?? []) expect([s.name, id, rule(id).moduleGap]).toEqual([s.name, id, expect.any(String)]);
  });
});

requireTerraform();

describe("both faces of every rule, on one matrix of scenarios", () => {
  // The variables' types and defaults without their validation blocks: every scenario's fields are valid on their own
  // (asserted below), test/module/variables.test.ts checks the validations, and evaluating them is most of a plan's time.
  const config = {
    "variables.tf": renderVariablesTf(moduleVariables().map((v) => ({ ...v, validations: [] }))),
    // One output with every rule's precondition (as the module's StatefulSet has them): Terraform reports each that fails.
    "main.tf.json": JSON.stringify({ output: { rules: { value: true, precondition: moduleRules().map((r) => ({ condition: `\${${r.condition}}`, error_message: r.errorMessage })) } } }, null, 2),
  };
  let planned: Record<string, TerraformDiagnostic[]> | undefined;
  const moduleErrors = (name: string) => {
    planned ??= planScenarios(
      Object.fromEntries(
        SCENARIOS.filter((s) => !s.stacksOnly).map((s) => [
          s.name,
          {
            files: config,
            vars: Object.fromEntries(
              Object.entries(inputsOf(s))
                .filter(([key]) => (MODULE_INPUTS as readonly string[]).includes(key))
                .map(([key, value]) => [snakeCase(key), moduleValue(key as (typeof MODULE_INPUTS)[number], value)]),
            ),
          },
        ]),
      ),
    );
    return planned[name].map((d) => d.detail.split("\n\nThis was checked by")[0]).sort();
  };

  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", (_name, s) => {
    const inputs = inputsOf(s);
    const { problems } = collectProblems(qdrantInputSchema, CROSS_FIELD_RULES, inputs);
    // Only cross-field problems: every scenario's fields are valid on their own.
    expect(problems.filter((p) => p.rule === undefined)).toEqual([]);
    const stacks = [...new Set(problems.map((p) => p.rule as string))];
    expect(stacks.sort()).toEqual(s.breaks.filter((id) => runsInStacks(rule(id))).sort());
    if (s.stacksOnly) return;
    const parsed = qdrantInputSchema.parse(inputs) as Inputs;
    const expected = s.breaks
      .filter((id) => runsInModule(rule(id)) && !(s.moduleMisses ?? []).includes(id))
      .map((id) => moduleText(rule(id), problems.find((p) => p.rule === id), parsed));
    expect(moduleErrors(s.name)).toEqual(expected.sort());
  });

  it("breaks and passes every rule in some scenario (passes: with the rule's field set)", () => {
    const broken = new Set(SCENARIOS.flatMap((s) => s.breaks));
    expect(RULE_CATALOGUE.map((r) => r.id).filter((id) => !broken.has(id))).toEqual([]);
    const passed = (r: CrossFieldRule) =>
      SCENARIOS.some((s) => !s.breaks.includes(r.id) && inputsOf(s)[r.field.split(/[.[]/)[0]] !== undefined && (runsInModule(r) ? !s.stacksOnly : true));
    expect(RULE_CATALOGUE.filter((r) => !passed(r)).map((r) => r.id)).toEqual([]);
  });
});
