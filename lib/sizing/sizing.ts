/**
 * Capacity model: RAM, disk, PVC size and memory request/limit for one Qdrant pod, from the expected number
 * of points and their shape. Pure functions; no cdktf here.
 *
 * Sources (each constant below names its own):
 * - the homelab design note (Cortex Plane #30, not in this repository): "Question 2" (disk table, 5× headroom, 10 GiB PVC),
 *   "Question 3" (RAM table, ~443 MB, request 1Gi / limit 2Gi) and "Artifact: Resource Request/Limit Spec"
 *   (growth thresholds);
 * - Qdrant's docs, "Capacity planning" (https://qdrant.tech/documentation/capacity-planning/):
 *   `memory_size = number_of_vectors * vector_dimension * 4 bytes * 1.5`, and "Quantization" (int8 is 4×,
 *   binary 32× smaller than float32; product quantization x4..x64);
 * - Qdrant's reference config (test/fixtures/qdrant/config-v1.19.0.yaml): `storage.wal.wal_capacity_mb: 32`.
 *
 * Sizes are bytes. the homelab design's tables use decimal MB/GB (100K × 1536 B = 153.6 MB ≈ "~150 MB"), so the
 * per-point constants are decimal too; Kubernetes quantities are binary (Gi = 2^30 bytes).
 *
 * the homelab design's case (100K × 1536-d, int8, 500 B payload in RAM, 6 payload indexes, m = 16, one pod) gives
 * RAM 445 MB (design: ~443 MB), disk 1.79 GB (design: ~1.7 GB; we also count payload indexes on disk),
 * PVC 10Gi, memory request 1Gi, limit 2Gi.
 */
import { parseQuantity } from "../config/kubernetes-formats";
import {
  CapacityComponent,
  CapacityEstimate,
  CapacityInput,
  Quantization,
  resolveCapacityInput,
  SizingError,
  sizingProblems,
} from "./capacity-contract";

export * from "./capacity-contract";

const GI = 2 ** 30;
const MIB = 2 ** 20;

/** float32: 4 bytes per dimension (Qdrant docs, "Capacity planning"; homelab design, Q2: 1536-d = 6,144 bytes). */
const FLOAT32_BYTES = 4;
/** Qdrant docs, "Capacity planning": × 1.5 for "metadata (indexes, point versions) and temporary segments". */
const QDRANT_DOCS_FACTOR = 1.5;
/**
 * HNSW: bytes per link. Homelab design, Q3: "m=16, 128 bytes per point" = 2·m links on layer 0 × 4-byte point ids
 * (Qdrant docs, "Indexing": layer 0 keeps up to 2·m neighbours). Upper layers add ~1/m of that; not counted.
 */
const HNSW_LINK_BYTES = 4;
/** Homelab design, Q3: "Payload indexes (keyword, integer) ~30 MB, 6 indexed fields" at 100K points → 50 B per point and field. */
const PAYLOAD_INDEX_BYTES_PER_FIELD = 50;
/** Homelab design, Q3: "Qdrant process overhead ~100 MB: runtime, gRPC/HTTP servers, connection pools". Per pod, fixed. */
const PROCESS_OVERHEAD_BYTES = 100e6;
/**
 * Homelab design, Q3: "Optimizer scratch space ~100 MB: temporary buffers during segment merges" at 100K points, where
 * the collection's in-RAM data (quantized vectors + graph + payload + payload indexes) is 246.4 MB: 0.4 of it.
 * The optimizer builds a merged segment while the old ones are still loaded, so the scratch grows with the
 * data rather than staying at 100 MB; the ratio also reproduces the homelab design's growth rows (500K → ~1.8 GB).
 */
const OPTIMIZER_SCRATCH_RATIO = 0.4;
/**
 * Product quantization codebook: 256 centroids per chunk, float32; over all chunks 256 × dims × 4 bytes (Qdrant
 * docs, "Quantization"). Counted once per shard (Qdrant keeps one per segment; a few per shard at most).
 */
const PQ_CENTROIDS = 256;
/** Homelab design, Q2: "With 5× headroom: room for growth, optimization scratch space, temporary segments". */
const PVC_HEADROOM = 5;
/** Homelab design, Q2 turns 5 × 1.7 GB = ~8.5 GB into a 10 GiB PVC: we round up to a multiple of 5Gi (whole Gi would give 8Gi). */
const PVC_STEP_BYTES = 5 * GI;
/** Homelab design, Q3: request 1Gi for ~450 MB; the smallest request we recommend. */
const MEMORY_REQUEST_FLOOR_BYTES = 1 * GI;
/** Homelab design, Q3 / Artifact: limit 2Gi over request 1Gi, and the growth rows' limits (2Gi, 4Gi, 8Gi) are 2 × a power-of-two request. */
const MEMORY_LIMIT_FACTOR = 2;

/** Bytes of one quantized vector, plus a fixed per-collection part (PQ codebook), and a note. */
function quantizedVector(quantization: Quantization, dimensions: number): { perVector: number; fixed: number; ratio: number; note: string } {
  const float = dimensions * FLOAT32_BYTES;
  if (quantization === "none") return { perVector: 0, fixed: 0, ratio: 1, note: "no quantization" };
  if (quantization === "int8") {
    return { perVector: dimensions, fixed: 0, ratio: 4, note: "1 byte per dimension, in RAM (always_ram)" };
  }
  if (quantization === "binary") {
    return { perVector: Math.ceil(dimensions / 8), fixed: 0, ratio: 32, note: "1 bit per dimension (Qdrant docs: 32× smaller), in RAM (always_ram)" };
  }
  const ratio = Number(quantization.slice("product-x".length));
  return {
    perVector: Math.ceil(float / ratio),
    fixed: PQ_CENTROIDS * float,
    ratio,
    note: `float32 size ÷ ${ratio} (Qdrant docs), plus a 256-centroid codebook per shard; in RAM (always_ram)`,
  };
}

/** How many times smaller than the float32 vector a quantized copy is (none: 1). */
export function compressionRatio(quantization: Quantization): number {
  return quantizedVector(quantization, 1).ratio;
}

function roundUpToMultiple(bytes: number, step: number): number {
  return Math.max(step, Math.ceil(bytes / step) * step);
}

function powerOfTwoGi(bytes: number, floor: number): number {
  if (bytes <= floor) return floor;
  return 2 ** Math.ceil(Math.log2(bytes / GI)) * GI;
}

function gi(bytes: number): string {
  return `${bytes / GI}Gi`;
}

/**
 * The capacity of one Qdrant pod holding `input.vectors` points (spread over the pods by replication and
 * sharding), component by component, with Qdrant docs' formula alongside. Throws one SizingError listing every
 * problem with the input.
 */
export function estimateCapacity(input: CapacityInput): CapacityEstimate {
  const problems = sizingProblems(input);
  if (problems.length > 0) throw new SizingError(problems);
  const r = resolveCapacityInput(input);

  // Busiest pod: shard replicas are spread as evenly as Qdrant can (ceil), each holds vectors / shardNumber points.
  const shardReplicasPerPod = Math.ceil((r.shardNumber * r.replicationFactor) / r.replicas);
  const pointsPerPod = Math.ceil((r.vectors * Math.min(shardReplicasPerPod, r.shardNumber)) / r.shardNumber);
  const shardsPerPod = r.collections * shardReplicasPerPod;
  const n = pointsPerPod;

  const q = quantizedVector(r.quantization, r.dimensions);
  const quantizedBytes = n > 0 && q.perVector > 0 ? n * q.perVector + q.fixed * shardsPerPod : 0;
  const originalBytes = n * r.dimensions * FLOAT32_BYTES;
  const hnswBytes = n * 2 * r.hnswM * HNSW_LINK_BYTES;
  const payloadBytes = n * r.payloadBytesPerPoint;
  const payloadIndexBytes = n * r.payloadIndexes * PAYLOAD_INDEX_BYTES_PER_FIELD;
  const walBytes = shardsPerPod * r.walCapacityMb * MIB;

  const vectorsInRam = !r.onDiskVectors;
  const dataRam = quantizedBytes + (vectorsInRam ? originalBytes : 0) + hnswBytes + (r.onDiskPayload ? 0 : payloadBytes) + payloadIndexBytes;
  const scratchBytes = dataRam * OPTIMIZER_SCRATCH_RATIO;
  // Homelab design, Q2: a snapshot is a tar of the collection's files: every segment part plus the WAL.
  const liveDisk = quantizedBytes + originalBytes + hnswBytes + payloadBytes + payloadIndexBytes + walBytes;

  const components: CapacityComponent[] = [
    {
      name: "quantizedVectors",
      label: r.quantization === "none" ? "Quantized vectors" : `Quantized vectors (${r.quantization})`,
      ramBytes: quantizedBytes,
      diskBytes: quantizedBytes,
      note: q.note,
    },
    {
      name: "originalVectors",
      label: "Original vectors (float32)",
      ramBytes: vectorsInRam ? originalBytes : 0,
      diskBytes: originalBytes,
      note: `${r.dimensions} × 4 bytes per point; ${vectorsInRam ? "in RAM" : "on disk (mmap, page cache for rescoring; not counted in RAM)"}`,
    },
    {
      name: "hnswGraph",
      label: `HNSW graph (m=${r.hnswM})`,
      ramBytes: hnswBytes,
      diskBytes: hnswBytes,
      note: `2·m links × 4 bytes = ${2 * r.hnswM * HNSW_LINK_BYTES} bytes per point (Qdrant keeps up to 2·m links on layer 0)`,
    },
    {
      name: "payload",
      label: "Payload",
      ramBytes: r.onDiskPayload ? 0 : payloadBytes,
      diskBytes: payloadBytes,
      note: `${r.payloadBytesPerPoint} bytes per point; ${r.onDiskPayload ? "on disk (on_disk_payload: true)" : "in RAM (on_disk_payload: false)"}`,
    },
    {
      name: "payloadIndexes",
      label: "Payload indexes",
      ramBytes: payloadIndexBytes,
      diskBytes: payloadIndexBytes,
      note: `${r.payloadIndexes} fields × 50 bytes per point (an average for keyword and integer indexes); persisted too`,
    },
    {
      name: "processOverhead",
      label: "Process overhead",
      ramBytes: PROCESS_OVERHEAD_BYTES,
      diskBytes: 0,
      note: "runtime, gRPC/HTTP servers, connection pools: ~100 MB per pod, fixed",
    },
    {
      name: "optimizerScratch",
      label: "Optimizer scratch",
      ramBytes: scratchBytes,
      diskBytes: 0,
      note: "0.4 × the data in RAM: segment merges build a new segment while the old ones are loaded; on disk, the PVC headroom covers it",
    },
    {
      name: "wal",
      label: "WAL",
      ramBytes: 0,
      diskBytes: walBytes,
      note: `${shardsPerPod} shard${shardsPerPod === 1 ? "" : "s"} × ${r.walCapacityMb} MiB segment (Qdrant wal_capacity_mb)`,
    },
    {
      name: "snapshot",
      label: "Snapshot (1 latest)",
      ramBytes: 0,
      diskBytes: liveDisk,
      note: "one full snapshot: the collection's files and WAL",
    },
  ];

  const ramBytes = components.reduce((sum, c) => sum + c.ramBytes, 0);
  const diskBytes = components.reduce((sum, c) => sum + c.diskBytes, 0);

  const memoryRequestBytes = powerOfTwoGi(ramBytes, MEMORY_REQUEST_FLOOR_BYTES);
  const memoryLimitBytes = MEMORY_LIMIT_FACTOR * memoryRequestBytes;
  const pvcSizeBytes = roundUpToMultiple(diskBytes * PVC_HEADROOM, PVC_STEP_BYTES);
  const snapshotVolumeSizeBytes = roundUpToMultiple(2 * liveDisk, GI);

  const docsBytes = n * r.dimensions * FLOAT32_BYTES * QDRANT_DOCS_FACTOR;
  return {
    input: r,
    pointsPerPod,
    shardsPerPod,
    components,
    ramBytes,
    diskBytes,
    recommended: {
      memoryRequest: gi(memoryRequestBytes),
      memoryRequestBytes,
      memoryLimit: gi(memoryLimitBytes),
      memoryLimitBytes,
      pvcSize: gi(pvcSizeBytes),
      pvcSizeBytes,
      snapshotVolumeSize: gi(snapshotVolumeSizeBytes),
      snapshotVolumeSizeBytes,
    },
    qdrantDocsFormula: { bytes: docsBytes, quantizedBytes: docsBytes / q.ratio },
  };
}

/** The rules behind `recommended`, in words (for tables and docs). */
export const RECOMMENDATION_RULES = {
  memoryRequest: "RAM rounded up to a power-of-two Gi, at least 1Gi",
  memoryLimit: "2 × the request: headroom above the estimate",
  pvcSize: "disk × 5 headroom (growth, merges, temporary segments), rounded up to a multiple of 5Gi",
  snapshotVolumeSize: "two snapshots (the new one and the previous), rounded up to whole Gi, at least 1Gi",
} as const;

/** Decimal size for tables: "153.6 MB", "1.79 GB". */
export function formatSize(bytes: number): string {
  if (bytes === 0) return "0";
  if (bytes < 1e3) return `${Math.round(bytes)} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes < 1e12) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${(bytes / 1e12).toFixed(2)} TB`;
}

/** Resources set explicitly, to compare with an estimate. Tokens and other non-quantities are skipped. */
export interface ExplicitResources {
  readonly memoryRequest?: string;
  readonly memoryLimit?: string;
  readonly storageSize?: string;
  /** Qdrant's snapshot volume, when set apart from storageSize. */
  readonly snapshotStorageSize?: string;
  /** The backup pods' scratch volume, which holds one snapshot at a time. */
  readonly backupScratchSize?: string;
}

/** One line naming the workload an estimate is for: "100,000 vectors × 1536 dims, int8, per pod". */
export function describeEstimate(estimate: CapacityEstimate): string {
  const r = estimate.input;
  const quantization = r.quantization === "none" ? "no quantization" : `${r.quantization} quantization`;
  const pods = r.replicas === 1 ? "1 pod" : `${r.replicas} pods, replication factor ${r.replicationFactor}, ${r.shardNumber} shard${r.shardNumber === 1 ? "" : "s"}: ${estimate.pointsPerPod.toLocaleString("en-US")} points on the busiest pod`;
  return `${r.vectors.toLocaleString("en-US")} vectors × ${r.dimensions} dims, ${quantization}, ${pods}`;
}

/**
 * Warnings for explicit resources below the estimate: a memory request or limit under the estimated RAM (the
 * pod is under-reserved or OOM-killed), a storage size under the estimated disk (the volume fills up), a snapshot
 * or backup scratch volume smaller than one snapshot (backups fail). Each
 * names both numbers and the recommendation. Values that are not literal quantities (tokens) are skipped.
 */
export function sizingWarnings(estimate: CapacityEstimate, explicit: ExplicitResources): string[] {
  const warnings: string[] = [];
  const workload = describeEstimate(estimate);
  const check = (field: keyof ExplicitResources, value: string | undefined, needed: number, what: string, recommended: string): void => {
    const bytes = value === undefined ? undefined : parseQuantity(value);
    if (bytes === undefined || bytes >= needed) return;
    warnings.push(`${field} ${value} is below the estimated ${what} of ${formatSize(needed)} per pod (${workload}); recommended ${recommended}`);
  };
  const rec = estimate.recommended;
  check("memoryRequest", explicit.memoryRequest, estimate.ramBytes, "RAM", rec.memoryRequest);
  check("memoryLimit", explicit.memoryLimit, estimate.ramBytes, "RAM", rec.memoryLimit);
  check("storageSize", explicit.storageSize, estimate.diskBytes, "disk", rec.pvcSize);
  // Qdrant copies each snapshot it makes to this volume: a backup fails when one does not fit.
  const snapshot = estimate.components.find((c) => c.name === "snapshot")?.diskBytes ?? 0;
  check("snapshotStorageSize", explicit.snapshotStorageSize, snapshot, "snapshot size", rec.snapshotVolumeSize);
  check("backupScratchSize", explicit.backupScratchSize, snapshot, "snapshot size", rec.snapshotVolumeSize);
  return warnings;
}
