/**
 * Connects the capacity model (sizing.ts) to the inputs: with `sizing` set, memory and storage the user did
 * not set explicitly default to the estimate, and explicit values below it produce warnings. No cdktf here.
 */
import { defaultReplicationFactor } from "../collections/collection-requests";
import { parseQuantity } from "../config/kubernetes-formats";
import type { QdrantInputs } from "../config/schema";
import { CapacityEstimate, CapacityInput, compressionRatio, estimateCapacity, Quantization, QUANTIZATIONS, sizingWarnings } from "./sizing";

/** The largest quantized copy any collection keeps (the smallest compression; ties in QUANTIZATIONS' order); none when no collection quantizes. */
function quantizationOf(inputs: QdrantInputs): Quantization {
  const kinds = inputs.collectionsConfig.flatMap(({ quantization: q }): Quantization[] =>
    q?.scalar ? ["int8"] : q?.binary ? ["binary"] : q?.product ? [`product-${q.product.compression}`] : [],
  );
  const largest = QUANTIZATIONS.filter((k) => kinds.includes(k)).sort((a, b) => compressionRatio(a) - compressionRatio(b));
  return largest[0] ?? "none";
}

/**
 * The shard count that puts the largest share of a collection's points on the busiest pod: with s shards of r
 * copies on p pods, that pod holds min(ceil(s·r/p), s) of them, a share that does not fall steadily with s (4
 * shards on 3 pods put 3/4 on one, 3 shards 2/3). Ties go to more shards (more WALs).
 */
function busiestShardNumber(candidates: number[], replicationFactor: number, replicas: number): number {
  const share = (s: number) => Math.min(Math.ceil((s * replicationFactor) / replicas), s) / s;
  return candidates.reduce((best, s) => (share(s) > share(best) || (share(s) === share(best) && s > best) ? s : best));
}

/**
 * The model's input for these inputs, each part at its most demanding across the collections: the largest vector
 * size, the original vectors on disk only when every collection puts them there, the most copies of a shard and
 * the shard count that loads the busiest pod most, the largest quantized copy, and the payload placement.
 */
export function capacityInputOf(inputs: QdrantInputs): CapacityInput | undefined {
  if (!inputs.sizing || inputs.collectionsConfig.length === 0) return undefined;
  const c = inputs.collectionsConfig;
  const factors = c.map((x) => x.replicationFactor).filter((f): f is number => f !== undefined);
  const shards = c.map((x) => x.shardNumber).filter((n): n is number => n !== undefined);
  const replicationFactor = Math.max(...factors, ...(factors.length < c.length ? [defaultReplicationFactor(inputs.replicas)] : []));
  return {
    onDiskVectors: c.every((x) => x.onDisk === true),
    ...(factors.length > 0 ? { replicationFactor } : {}),
    ...(shards.length > 0 ? { shardNumber: busiestShardNumber([...shards, ...(shards.length < c.length ? [inputs.replicas] : [])], replicationFactor, inputs.replicas) } : {}),
    vectors: inputs.sizing.expectedVectors,
    dimensions: Math.max(...c.map((x) => x.vectorSize)),
    quantization: quantizationOf(inputs),
    payloadBytesPerPoint: inputs.sizing.payloadBytesPerPoint,
    onDiskPayload: c.every((x) => x.onDiskPayload),
    payloadIndexes: Math.max(...c.map((x) => x.payloadIndexes.length)),
    hnswM: Math.max(...c.map((x) => x.hnswConfig.m)),
    replicas: inputs.replicas,
    collections: c.length,
    ...(inputs.walCapacityMb !== undefined ? { walCapacityMb: inputs.walCapacityMb } : {}),
  };
}

export function capacityEstimateOf(inputs: QdrantInputs): CapacityEstimate | undefined {
  const input = capacityInputOf(inputs);
  return input && estimateCapacity(input);
}

type Raw = Record<string, unknown>;
const rawAt = (raw: Raw, ...path: string[]) => path.reduce<unknown>((n, k) => (n && typeof n === "object" ? (n as Raw)[k] : undefined), raw);

/** Inputs with the estimate filling memory and storage the caller left unset. */
export function applySizingDefaults(inputs: QdrantInputs, raw: Raw): QdrantInputs {
  const estimate = capacityEstimateOf(inputs);
  if (!estimate) return inputs;
  const rec = estimate.recommended;
  const explicit = (...path: string[]) => rawAt(raw, ...path) !== undefined;
  let request = explicit("resources", "requests", "memory") ? inputs.resources.requests.memory : rec.memoryRequest;
  let limit = explicit("resources", "limits", "memory") ? inputs.resources.limits.memory : rec.memoryLimit;
  // An explicit value wins; the defaulted one bends so that the request never exceeds the limit.
  const bytes = (q: string) => parseQuantity(q) ?? 0;
  if (bytes(request) > bytes(limit)) {
    if (explicit("resources", "limits", "memory")) request = limit;
    else limit = request;
  }
  return {
    ...inputs,
    storageSize: explicit("storageSize") ? inputs.storageSize : rec.pvcSize,
    resources: {
      requests: { ...inputs.resources.requests, memory: request },
      limits: { ...inputs.resources.limits, memory: limit },
    },
  };
}

/** Warnings for explicit values below the estimate, naming the numbers. */
export function sizingWarningsOf(inputs: QdrantInputs): string[] {
  const estimate = capacityEstimateOf(inputs);
  if (!estimate) return [];
  return sizingWarnings(estimate, {
    memoryRequest: inputs.resources.requests.memory,
    memoryLimit: inputs.resources.limits.memory,
    storageSize: inputs.storageSize,
    snapshotStorageSize: inputs.snapshotStorageSize,
    backupScratchSize: inputs.backupEnabled === true ? inputs.backupScratchSize : undefined,
  });
}
