/**
 * Generated from lib/config/schema.ts by tools/props-interface.ts (`npm run docs`); do not edit.
 * test/tools/props-interface.test.ts keeps it current and checks that the props accept exactly what the schema accepts.
 */

/** A collection the init Job creates. */
export interface QdrantCollection {
  /** Collection name. */
  readonly name: string;
  /** Vector dimensions (1536 for text-embedding-3-small). */
  readonly vectorSize: number;
  /** Distance function. @default "Cosine" */
  readonly distance?: "Cosine" | "Euclid" | "Dot" | "Manhattan";
  /** Store original vectors on disk (memmap) instead of RAM. @default - unset */
  readonly onDisk?: boolean;
  /** Store payloads on disk. @default true */
  readonly onDiskPayload?: boolean;
  /** HNSW index settings (Qdrant's hnsw_config). @default { m: 16, efConstruct: 100, fullScanThreshold: 20000 } */
  readonly hnswConfig?: QdrantHnswConfig;
  /** Vector quantization: exactly one of scalar, product or binary (Qdrant's quantization_config). @default - unset */
  readonly quantization?: QdrantQuantization;
  /** Optimizer settings (Qdrant's optimizers_config); unset keys keep Qdrant's defaults. @default - unset */
  readonly optimizersConfig?: QdrantOptimizersConfig;
  /**
   * Payload indexes; default: keyword on document_id, filename, content_type, customer_id and tags, datetime on
   * upload_timestamp.
   * @default [{ fieldName: "document_id", fieldSchema: "keyword" }, { fieldName: "filename", fieldSchema: "keyword" }, { fieldName: "content_type", fieldSchema: "keyword" }, { fieldName: "upload_timestamp", fieldSchema: "datetime" }, { fieldName: "customer_id", fieldSchema: "keyword" }, { fieldName: "tags", fieldSchema: "keyword" }]
   */
  readonly payloadIndexes?: QdrantPayloadIndex[];
  /** Copies of each shard (cluster mode); must not exceed replicas. @default - unset */
  readonly replicationFactor?: number;
  /** Replicas that must confirm a write; must not exceed replicationFactor. @default - unset */
  readonly writeConsistencyFactor?: number;
  /** Shards per collection. @default - unset */
  readonly shardNumber?: number;
}

/** HNSW index settings (Qdrant's hnsw_config). */
export interface QdrantHnswConfig {
  /** Edges per node in the HNSW graph. @default 16 */
  readonly m?: number;
  /** Neighbours considered while building the index. @default 100 */
  readonly efConstruct?: number;
  /** Size in KB below which search scans instead of using the index. @default 20000 */
  readonly fullScanThreshold?: number;
  /** Keep the HNSW index on disk instead of RAM. @default - unset */
  readonly onDisk?: boolean;
}

/** Vector quantization: exactly one of scalar, product or binary (Qdrant's quantization_config). */
export interface QdrantQuantization {
  /** Scalar quantization: each vector component as one byte (int8), about 4 times less memory. @default - unset */
  readonly scalar?: {
    /** Scalar quantization type. @default "int8" */
    readonly type?: "int8";
    /** Quantile of the values the quantization covers (0.5 to 1); unset: the whole range. @default - unset */
    readonly quantile?: number;
    /** Keep the quantized vectors in RAM. @default - unset */
    readonly alwaysRam?: boolean;
  };
  /** Product quantization: vectors compressed x4 to x64, at a cost in accuracy. @default - unset */
  readonly product?: {
    /** How many times smaller than the original vectors. */
    readonly compression: "x4" | "x8" | "x16" | "x32" | "x64";
    /** Keep the quantized vectors in RAM. @default - unset */
    readonly alwaysRam?: boolean;
  };
  /** Binary quantization: one bit per component (for embeddings made for it). @default - unset */
  readonly binary?: {
    /** Keep the quantized vectors in RAM. @default - unset */
    readonly alwaysRam?: boolean;
  };
}

/** Optimizer settings (Qdrant's optimizers_config); unset keys keep Qdrant's defaults. */
export interface QdrantOptimizersConfig {
  /** Fraction of deleted vectors in a segment (0 to 1) that makes the optimizer rewrite it. @default - unset */
  readonly deletedThreshold?: number;
  /** Fewest vectors a segment must hold before the optimizer vacuums it. @default - unset */
  readonly vacuumMinVectorNumber?: number;
  /** Segments the optimizer aims for per shard; 0 picks by CPU count. @default - unset */
  readonly defaultSegmentNumber?: number;
  /** Largest segment the optimizer builds, in KB (1 KB is one 256-d vector). @default - unset */
  readonly maxSegmentSize?: number;
  /**
   * Segment size in KB above which vectors are memory-mapped (deprecated by Qdrant since v1.15: use onDisk).
   * @default - unset
   */
  readonly memmapThreshold?: number;
  /** Segment size in KB above which vectors get an HNSW index; 0 turns indexing off. @default - unset */
  readonly indexingThreshold?: number;
  /** Shortest interval between forced flushes, in seconds. @default - unset */
  readonly flushIntervalSec?: number;
  /** Optimization jobs per shard; 0 turns optimization off. @default - unset */
  readonly maxOptimizationThreads?: number;
}

/** A payload index. */
export interface QdrantPayloadIndex {
  /** Payload field to index. */
  readonly fieldName: string;
  /** Index type. */
  readonly fieldSchema: "keyword" | "integer" | "float" | "bool" | "geo" | "datetime" | "text" | "uuid";
}
