/**
 * Cross-field rules: what one field allows depends on another. Each rule sees the fields that parsed
 * (so every problem is reported in one pass, even when other fields are wrong) and reports problems
 * with the field path, the value and the fix.
 */
import { defaultReplicationFactor } from "../collections/collection-requests";
import { formatBytes, parseQuantity } from "./kubernetes-formats";
import type { QdrantInputs } from "./schema";
import { isUnresolvedToken } from "./tokens";

export interface Problem {
  path: readonly PropertyKey[];
  value?: unknown;
  message: string;
}

type Parsed = Partial<QdrantInputs>;
/** Fields the caller set explicitly (before defaults), to tell a default from a choice. */
type Raw = Record<string, unknown>;

/** Kubernetes limits object names: StatefulSet pods carry a 63-character label, CronJob names 52. */
export const MAX_RESOURCE_NAME_LENGTH = 45;

export function resourceNameOf(inputs: Pick<QdrantInputs, "customerName" | "resourceName">): string {
  return inputs.resourceName ?? `${inputs.customerName}-qdrant`;
}

function resourceNameRule(p: Parsed, raw: Raw): Problem[] {
  if (p.customerName === undefined || isUnresolvedToken(p.customerName) || isUnresolvedToken(p.resourceName)) return [];
  const name = resourceNameOf({ customerName: p.customerName, resourceName: p.resourceName });
  if (name.length <= MAX_RESOURCE_NAME_LENGTH) return [];
  const field = raw.resourceName !== undefined ? "resourceName" : "customerName";
  return [
    {
      path: [field],
      value: raw[field],
      message: `makes the object name "${name}" ${name.length} characters long; at most ${MAX_RESOURCE_NAME_LENGTH}, because "${name}-backup" (a CronJob) must fit Kubernetes' 52-character limit; choose a shorter ${field}`,
    },
  ];
}

function resourcesRule(p: Parsed, raw: Raw): Problem[] {
  const problems: Problem[] = [];
  const explicit = raw.resources as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
  const explicitRequests = explicit?.requests ?? {};
  const explicitLimits = explicit?.limits ?? {};
  for (const kind of ["cpu", "memory"] as const) {
    const request = p.resources?.requests?.[kind];
    const limit = p.resources?.limits?.[kind];
    if (request === undefined || limit === undefined || isUnresolvedToken(request) || isUnresolvedToken(limit)) continue;
    const defaulted = explicitRequests[kind] === undefined;
    // With sizing, a defaulted memory request or limit comes from the estimate and bends to the explicit one.
    if (kind === "memory" && p.sizing !== undefined && (defaulted || explicitLimits.memory === undefined)) continue;
    const r = parseQuantity(request);
    const l = parseQuantity(limit);
    if (r !== undefined && l !== undefined && l < r) {
      problems.push({
        path: ["resources", "limits", kind],
        value: limit,
        message: `is below resources.requests.${kind} "${request}"${defaulted ? " (the default; set resources.requests." + kind + " too)" : ""}; a limit must be at least the request`,
      });
    }
  }
  return problems;
}

function storageRule(p: Parsed, raw: Raw): Problem[] {
  const problems: Problem[] = [];
  if (p.storageClassName !== undefined && raw.storageType !== undefined) {
    problems.push({
      path: ["storageType"],
      value: raw.storageType,
      message: "only applies to the StorageClass this module creates, but storageClassName selects an existing one; remove one of the two",
    });
  }
  const type = p.storageType;
  if (p.storageClassName === undefined && (type === "io1" || type === "io2") && p.storageIops === undefined) {
    problems.push({ path: ["storageIops"], message: `is required when storageType is "${type}" (provisioned-IOPS volumes need an IOPS figure)` });
  }
  if (p.storageIops !== undefined && type === "gp2") {
    problems.push({ path: ["storageIops"], value: p.storageIops, message: 'cannot be set for storageType "gp2"; use gp3 for configurable IOPS' });
  }
  for (const field of ["storageSize", "snapshotStorageSize"] as const) {
    const size = p[field];
    if (size === undefined || isUnresolvedToken(size)) continue;
    const bytes = parseQuantity(size);
    if (bytes !== undefined && bytes < 2 ** 30) {
      problems.push({ path: [field], value: size, message: `is ${formatBytes(bytes)}; use at least "1Gi" (EBS volumes start at 1 GiB)` });
    }
  }
  return problems;
}

function authenticationRule(p: Parsed): Problem[] {
  const problems: Problem[] = [];
  if (p.apiKey !== undefined && !isUnresolvedToken(p.apiKey)) {
    problems.push({
      path: ["apiKey"],
      value: "(hidden)",
      message:
        "is a literal key, which would be written in plain text into the synthesized Terraform JSON and the config; set apiKeySource to generate, variable or existingSecret instead (or pass a Terraform variable's value)",
    });
  }
  if (p.enableAuthentication === true && p.apiKey === undefined && p.apiKeySource === undefined) {
    problems.push({
      path: ["apiKeySource"],
      message:
        'is required when enableAuthentication is true: "generate" (random keys kept in Terraform state), "variable" (sensitive Terraform variables), or "existingSecret" with apiKeySecretName; or set enableAuthentication: false',
    });
  }
  if (p.apiKeySource === "awsSecretsManager" && p.apiKeySecretsManagerId === undefined) {
    problems.push({ path: ["apiKeySecretsManagerId"], message: 'is required when apiKeySource is "awsSecretsManager"' });
  }
  if (p.apiKeySecretsManagerId !== undefined && p.apiKeySource !== "awsSecretsManager") {
    problems.push({ path: ["apiKeySecretsManagerId"], value: p.apiKeySecretsManagerId, message: 'is only used with apiKeySource "awsSecretsManager"' });
  }
  if (p.apiKeySource === "existingSecret" && p.apiKeySecretName === undefined) {
    problems.push({ path: ["apiKeySecretName"], message: 'is required when apiKeySource is "existingSecret"' });
  }
  if (p.apiKeySource !== undefined && p.apiKey !== undefined) {
    problems.push({ path: ["apiKeySource"], value: p.apiKeySource, message: "cannot be combined with apiKey; choose one key source" });
  }
  if (p.apiKeySecretName !== undefined && p.apiKeySource !== "existingSecret") {
    problems.push({ path: ["apiKeySecretName"], value: p.apiKeySecretName, message: 'is only used with apiKeySource "existingSecret"' });
  }
  return problems;
}

function backupRule(p: Parsed): Problem[] {
  const problems: Problem[] = [];
  const s3 = p.backupTarget !== "pvc";
  if (p.backupEnabled === true && s3 && p.backupS3Bucket === "") {
    problems.push({
      path: ["backupS3Bucket"],
      value: "",
      message: "is required when backupEnabled is true; name the S3 bucket, or set backupEnabled: false",
    });
  }
  const bucket = p.backupS3Bucket;
  const badBucket = (b: string) => !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b) || b.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(b);
  if (bucket && !isUnresolvedToken(bucket) && badBucket(bucket)) {
    problems.push({
      path: ["backupS3Bucket"],
      value: p.backupS3Bucket,
      message: "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', no '..', not an IP address",
    });
  }
  if (p.backupEnabled && s3 && p.backupS3Endpoint === undefined && !p.eksClusterName) {
    problems.push({
      path: ["backupS3Endpoint"],
      message: "is required for S3 backups outside EKS (AWS credentials come from IRSA or Pod Identity there); set it with backupS3CredentialsSecret, or use backupTarget: pvc",
    });
  }
  if (p.backupS3Endpoint !== undefined && p.backupS3CredentialsSecret === undefined) {
    problems.push({ path: ["backupS3CredentialsSecret"], message: "is required with backupS3Endpoint: the Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" });
  }
  if (p.backupCreateBucket && (p.backupS3Endpoint !== undefined || !s3)) {
    problems.push({ path: ["backupCreateBucket"], value: true, message: "creates an AWS S3 bucket; it cannot create one on backupS3Endpoint or for backupTarget: pvc" });
  }
  if (p.backupKmsKeyArn !== undefined && !p.backupCreateBucket) {
    problems.push({ path: ["backupKmsKeyArn"], value: p.backupKmsKeyArn, message: "only applies to a bucket this module creates (backupCreateBucket: true)" });
  }
  if (p.backupVerifySchedule !== undefined && p.replicas !== undefined && p.replicas > 1) {
    problems.push({
      path: ["backupVerifySchedule"],
      value: p.backupVerifySchedule,
      message: "verifies single-node backups only: in cluster mode each peer's snapshot holds only that peer's shards, so one scratch collection cannot be compared with the manifest",
    });
  }
  if ((p.backupRestoreTimestamp !== undefined || p.backupVerifySchedule !== undefined) && p.backupEnabled === false) {
    const field = p.backupRestoreTimestamp !== undefined ? "backupRestoreTimestamp" : "backupVerifySchedule";
    problems.push({ path: [field], value: p[field], message: "needs backupEnabled: true (it reads the backups)" });
  }
  return problems;
}

function collectionsRule(p: Parsed): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  (p.collectionsConfig ?? []).forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      problems.push({ path: ["collectionsConfig", i, "name"], value: c.name, message: `duplicates collectionsConfig[${first}].name; collection names must be unique` });
    } else {
      seen.set(c.name, i);
    }
    if (p.replicas !== undefined && c.replicationFactor !== undefined && c.replicationFactor > p.replicas) {
      problems.push({
        path: ["collectionsConfig", i, "replicationFactor"],
        value: c.replicationFactor,
        message: `exceeds replicas (${p.replicas}); Qdrant cannot place more copies of a shard than there are peers`,
      });
    }
    const rf = c.replicationFactor ?? defaultReplicationFactor(p.replicas ?? 1);
    if (c.writeConsistencyFactor !== undefined && c.writeConsistencyFactor > rf) {
      problems.push({
        path: ["collectionsConfig", i, "writeConsistencyFactor"],
        value: c.writeConsistencyFactor,
        message: `exceeds replicationFactor (${rf}); a write cannot wait for more replicas than exist`,
      });
    }
    const seenFields = new Set<string>();
    c.payloadIndexes.forEach((index, j) => {
      if (seenFields.has(index.fieldName)) {
        problems.push({ path: ["collectionsConfig", i, "payloadIndexes", j, "fieldName"], value: index.fieldName, message: "is indexed twice in this collection" });
      }
      seenFields.add(index.fieldName);
    });
  });
  return problems;
}

function networkRule(p: Parsed): Problem[] {
  const problems: Problem[] = [];
  if (p.enableNetworkPolicy === true && p.networkPolicyClients?.length === 0) {
    problems.push({
      path: ["networkPolicyClients"],
      value: [],
      message:
        "is empty while enableNetworkPolicy is true, so no client could reach Qdrant; list the clients (podSelector, namespaceSelector or cidr), or set enableNetworkPolicy: false",
    });
  }
  if (p.enableExternalAccess === true && p.allowedCidrs?.length === 0) {
    problems.push({
      path: ["allowedCidrs"],
      value: [],
      message: "is required when enableExternalAccess is true: the source ranges the LoadBalancer accepts (an open LoadBalancer is never the default)",
    });
  }
  if (p.restrictEgress === true && p.enableNetworkPolicy === false) {
    problems.push({ path: ["restrictEgress"], value: true, message: "needs enableNetworkPolicy: true (egress rules are NetworkPolicies)" });
  }
  return problems;
}

function autoscalingRule(p: Parsed): Problem[] {
  const a = p.autoscaling;
  if (!a?.enabled || p.replicas === undefined) return [];
  const problems: Problem[] = [];
  if (p.replicas < 2) {
    problems.push({
      path: ["autoscaling", "enabled"],
      value: true,
      message: "needs cluster mode (replicas >= 2): a second single-node Qdrant would be a separate, empty database; set replicas to 2 or more",
    });
  }
  if (a.maxReplicas <= p.replicas) {
    problems.push({ path: ["autoscaling", "maxReplicas"], value: a.maxReplicas, message: `must be greater than replicas (${p.replicas}), the autoscaler's minimum` });
  }
  return problems;
}

export const CROSS_FIELD_RULES: ((p: Parsed, raw: Raw) => Problem[])[] = [
  resourceNameRule,
  resourcesRule,
  storageRule,
  authenticationRule,
  backupRule,
  collectionsRule,
  networkRule,
  autoscalingRule,
];
