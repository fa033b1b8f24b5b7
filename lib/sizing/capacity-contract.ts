/**
 * The capacity model's contract (the model itself is sizing.ts): what it takes, the defaults of the optional
 * parts, what it gives, and every problem with an input (named by field) found before anything is estimated.
 * No cdktf here.
 */
import { defaultReplicationFactor } from "../collections/collection-requests";

/** Qdrant config `storage.wal.wal_capacity_mb: 32` (the default WAL segment capacity). Per shard. */
const DEFAULT_WAL_CAPACITY_MB = 32;

/** Defaults of the model's optional inputs (the homelab design's case, except quantization which is off unless asked for, as in Qdrant). */
export const SIZING_DEFAULTS = {
  quantization: "none",
  /** Homelab design, Q2/Q3: "~500 bytes avg". */
  payloadBytesPerPoint: 500,
  /** Homelab design, Q3: `on_disk_payload: false`. Qdrant's own default (and collectionsConfig's) is true. */
  onDiskPayload: false,
  /** Homelab design, Q3: "6 indexed fields". */
  payloadIndexes: 6,
  /** Qdrant's default hnsw_config.m; homelab design, Q2/Q3: m=16. */
  hnswM: 16,
  replicas: 1,
  collections: 1,
  walCapacityMb: DEFAULT_WAL_CAPACITY_MB,
} as const;

export const QUANTIZATIONS = ["none", "int8", "binary", "product-x4", "product-x8", "product-x16", "product-x32", "product-x64"] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

export interface CapacityInput {
  /** Points expected across the whole deployment (all collections, before replication). */
  readonly vectors: number;
  /** Dimensions of each (dense, float32) vector. */
  readonly dimensions: number;
  /**
   * Quantization of the vectors; the quantized copy stays in RAM (`always_ram: true`).
   * @default "none"
   */
  readonly quantization?: Quantization;
  /**
   * Where the original float32 vectors live. On disk (the collection's \`on_disk: true\`) they are read through
   * the page cache for rescoring and not counted in RAM. Quantization alone does not move them: Qdrant keeps
   * them in RAM unless the collection says on_disk, quantized or not.
   * @default false (Qdrant's default)
   */
  readonly onDiskVectors?: boolean;
  /** Average payload bytes per point. @default 500 */
  readonly payloadBytesPerPoint?: number;
  /** @default false (payloads in RAM for fast filtered retrieval) */
  readonly onDiskPayload?: boolean;
  /** Indexed payload fields. @default 6 */
  readonly payloadIndexes?: number;
  /** HNSW `m` (0 disables the graph). @default 16 */
  readonly hnswM?: number;
  /** Qdrant pods (peers); figures are per pod, for the busiest one. @default 1 */
  readonly replicas?: number;
  /** Copies of each shard. @default - min(2, replicas), as collectionsConfig */
  readonly replicationFactor?: number;
  /** Shards per collection. @default - replicas (Qdrant's default: the peer count at creation) */
  readonly shardNumber?: number;
  /** Collections; each shard has its own WAL. @default 1 */
  readonly collections?: number;
  /** WAL segment size in MB (MiB). @default 32 (Qdrant's config) */
  readonly walCapacityMb?: number;
}

export type ResolvedCapacityInput = Required<CapacityInput>;

export type ComponentName =
  | "quantizedVectors"
  | "originalVectors"
  | "hnswGraph"
  | "payload"
  | "payloadIndexes"
  | "processOverhead"
  | "optimizerScratch"
  | "wal"
  | "snapshot";

export interface CapacityComponent {
  readonly name: ComponentName;
  /** Human label for tables ("Quantized vectors (int8)"). */
  readonly label: string;
  readonly ramBytes: number;
  readonly diskBytes: number;
  /** How the figure is made. */
  readonly note: string;
}

export interface CapacityRecommendation {
  /** Memory request: RAM rounded up to a power-of-two Gi, at least 1Gi. */
  readonly memoryRequest: string;
  readonly memoryRequestBytes: number;
  /** Memory limit: 2 × the request. */
  readonly memoryLimit: string;
  readonly memoryLimitBytes: number;
  /** Storage PVC: disk × 5 headroom, rounded up to a multiple of 5Gi. */
  readonly pvcSize: string;
  readonly pvcSizeBytes: number;
  /** A separate snapshots volume (/qdrant/snapshots): room for two snapshots, rounded up to whole Gi, at least 1Gi. */
  readonly snapshotVolumeSize: string;
  readonly snapshotVolumeSizeBytes: number;
}

export interface CapacityEstimate {
  readonly input: ResolvedCapacityInput;
  /** Points on the busiest pod: vectors × (shard replicas on that pod) / shardNumber. */
  readonly pointsPerPod: number;
  /** Shard replicas (over all collections) on the busiest pod; each has a WAL. */
  readonly shardsPerPod: number;
  readonly components: readonly CapacityComponent[];
  /** Per pod. */
  readonly ramBytes: number;
  /** Per pod, including one snapshot. */
  readonly diskBytes: number;
  readonly recommended: CapacityRecommendation;
  /** Qdrant docs' rough formula for the same points, for comparison. */
  readonly qdrantDocsFormula: {
    /** pointsPerPod × dimensions × 4 B × 1.5 (all vectors in RAM). */
    readonly bytes: number;
    /** The same with the quantized vector size in place of float32 (int8: ÷ 4). Equals bytes without quantization. */
    readonly quantizedBytes: number;
  };
}

export interface SizingProblem {
  /** The CapacityInput field at fault. */
  readonly field: keyof CapacityInput;
  readonly message: string;
}

export class SizingError extends Error {
  constructor(readonly problems: readonly SizingProblem[]) {
    super(`Invalid sizing input (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n")}`);
    this.name = "SizingError";
  }
}

/** Qdrant's largest dense vector size. */
const MAX_DIMENSIONS = 65536;

function wholeNumberProblem(field: keyof CapacityInput, value: unknown, min: number, max = Infinity): SizingProblem | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return undefined;
  const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
  return { field, message: `must be a whole number ${range}, got ${JSON.stringify(value) ?? String(value)}` };
}

/** Every problem with the input (empty when it is valid). */
export function sizingProblems(input: CapacityInput): SizingProblem[] {
  const problems: (SizingProblem | undefined)[] = [
    wholeNumberProblem("vectors", input.vectors, 0),
    wholeNumberProblem("dimensions", input.dimensions, 1, MAX_DIMENSIONS),
  ];
  if (input.quantization !== undefined && !QUANTIZATIONS.includes(input.quantization)) {
    problems.push({ field: "quantization", message: `must be one of ${QUANTIZATIONS.join(", ")}, got ${JSON.stringify(input.quantization)}` });
  }
  if (input.payloadBytesPerPoint !== undefined) problems.push(wholeNumberProblem("payloadBytesPerPoint", input.payloadBytesPerPoint, 0));
  if (input.payloadIndexes !== undefined) problems.push(wholeNumberProblem("payloadIndexes", input.payloadIndexes, 0));
  if (input.hnswM !== undefined) problems.push(wholeNumberProblem("hnswM", input.hnswM, 0));
  if (input.replicas !== undefined) problems.push(wholeNumberProblem("replicas", input.replicas, 1));
  if (input.replicationFactor !== undefined) {
    const problem = wholeNumberProblem("replicationFactor", input.replicationFactor, 1);
    const replicas = input.replicas ?? SIZING_DEFAULTS.replicas;
    if (problem) problems.push(problem);
    else if (Number.isInteger(replicas) && input.replicationFactor > replicas) {
      problems.push({ field: "replicationFactor", message: `must not exceed replicas (${replicas}), got ${input.replicationFactor}: Qdrant cannot place more copies than peers` });
    }
  }
  if (input.shardNumber !== undefined) problems.push(wholeNumberProblem("shardNumber", input.shardNumber, 1));
  if (input.collections !== undefined) problems.push(wholeNumberProblem("collections", input.collections, 1));
  if (input.walCapacityMb !== undefined) problems.push(wholeNumberProblem("walCapacityMb", input.walCapacityMb, 1));
  for (const field of ["onDiskPayload", "onDiskVectors"] as const) {
    if (input[field] !== undefined && typeof input[field] !== "boolean") {
      problems.push({ field, message: `must be true or false, got ${JSON.stringify(input[field])}` });
    }
  }
  return problems.filter((p): p is SizingProblem => p !== undefined);
}

export function resolveCapacityInput(input: CapacityInput): ResolvedCapacityInput {
  const quantization = input.quantization ?? SIZING_DEFAULTS.quantization;
  const replicas = input.replicas ?? SIZING_DEFAULTS.replicas;
  return {
    vectors: input.vectors,
    dimensions: input.dimensions,
    quantization,
    onDiskVectors: input.onDiskVectors ?? false,
    payloadBytesPerPoint: input.payloadBytesPerPoint ?? SIZING_DEFAULTS.payloadBytesPerPoint,
    onDiskPayload: input.onDiskPayload ?? SIZING_DEFAULTS.onDiskPayload,
    payloadIndexes: input.payloadIndexes ?? SIZING_DEFAULTS.payloadIndexes,
    hnswM: input.hnswM ?? SIZING_DEFAULTS.hnswM,
    replicas,
    replicationFactor: input.replicationFactor ?? defaultReplicationFactor(replicas),
    shardNumber: input.shardNumber ?? replicas,
    collections: input.collections ?? SIZING_DEFAULTS.collections,
    walCapacityMb: input.walCapacityMb ?? SIZING_DEFAULTS.walCapacityMb,
  };
}
