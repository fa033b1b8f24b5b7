import { z } from "zod";
import { terraformChecks, wholeNumber } from "./field-types";

/** Qdrant's distance functions (Manhattan since v1.7). */
export const DISTANCES = ["Cosine", "Euclid", "Dot", "Manhattan"] as const;
/** Payload index types Qdrant v1.13 and v1.19 both accept. */
export const PAYLOAD_FIELD_SCHEMAS = ["keyword", "integer", "float", "bool", "geo", "datetime", "text", "uuid"] as const;

export const payloadIndexSchema = z
  .strictObject({
    fieldName: z
      .string()
      .min(1, { error: "must be a non-empty payload field name" })
      .meta(terraformChecks({ check: "minLength", error: "must be a non-empty payload field name" }))
      .describe("Payload field to index."),
    fieldSchema: z.enum(PAYLOAD_FIELD_SCHEMAS).describe("Index type."),
  })
  .describe("A payload index.");

/** The qdrant-deployment module's six payload indexes, created on every collection unless `payloadIndexes` says otherwise. */
export const SEED_PAYLOAD_INDEXES: z.input<typeof payloadIndexSchema>[] = [
  { fieldName: "document_id", fieldSchema: "keyword" },
  { fieldName: "filename", fieldSchema: "keyword" },
  { fieldName: "content_type", fieldSchema: "keyword" },
  { fieldName: "upload_timestamp", fieldSchema: "datetime" },
  { fieldName: "customer_id", fieldSchema: "keyword" },
  { fieldName: "tags", fieldSchema: "keyword" },
];

const alwaysRam = z.boolean().optional().describe("Keep the quantized vectors in RAM.");

export const quantizationSchema = z
  .strictObject({
    scalar: z
      .strictObject({
        type: z.enum(["int8"]).default("int8").describe("Scalar quantization type."),
        quantile: z
          .number()
          .min(0.5, { error: "must be from 0.5 to 1" })
          .max(1, { error: "must be from 0.5 to 1" })
          .meta(terraformChecks({ check: "range", error: "must be from 0.5 to 1" }))
          .optional()
          .describe("Quantile of the values the quantization covers (0.5 to 1); unset: the whole range."),
        alwaysRam,
      })
      .optional()
      .describe("Scalar quantization: each vector component as one byte (int8), about 4 times less memory."),
    product: z
      .strictObject({
        compression: z.enum(["x4", "x8", "x16", "x32", "x64"]).describe("How many times smaller than the original vectors."),
        alwaysRam,
      })
      .optional()
      .describe("Product quantization: vectors compressed x4 to x64, at a cost in accuracy."),
    binary: z.strictObject({ alwaysRam }).optional().describe("Binary quantization: one bit per component (for embeddings made for it)."),
  })
  .refine((q) => [q.scalar, q.product, q.binary].filter((x) => x !== undefined).length === 1, {
    error: "must set exactly one of scalar, product or binary",
  })
  .meta(terraformChecks({ check: "exactlyOne", error: "must set exactly one of scalar, product or binary" }))
  .describe("Vector quantization: exactly one of scalar, product or binary (Qdrant's quantization_config).");

export const hnswConfigSchema = z
  .strictObject({
    m: wholeNumber(0, undefined, "edges per node").default(16).describe("Edges per node in the HNSW graph."),
    efConstruct: wholeNumber(4, undefined, "neighbours considered while building").default(100).describe("Neighbours considered while building the index."),
    fullScanThreshold: wholeNumber(10, undefined, "KB of vectors below which Qdrant scans instead of using the index")
      .default(20000)
      .describe("Size in KB below which search scans instead of using the index."),
    onDisk: z.boolean().optional().describe("Keep the HNSW index on disk instead of RAM."),
  })
  .describe("HNSW index settings (Qdrant's hnsw_config).");

export const optimizersConfigSchema = z
  .strictObject({
    deletedThreshold: z.number().min(0).max(1).optional().describe("Fraction of deleted vectors in a segment (0 to 1) that makes the optimizer rewrite it."),
    vacuumMinVectorNumber: wholeNumber(100, undefined, "vectors").optional().describe("Fewest vectors a segment must hold before the optimizer vacuums it."),
    defaultSegmentNumber: wholeNumber(0, undefined, "segments").optional().describe("Segments the optimizer aims for per shard; 0 picks by CPU count."),
    maxSegmentSize: wholeNumber(1, undefined, "KB").optional().describe("Largest segment the optimizer builds, in KB (1 KB is one 256-d vector)."),
    memmapThreshold: wholeNumber(0, undefined, "KB").optional().describe("Segment size in KB above which vectors are memory-mapped (deprecated by Qdrant since v1.15: use onDisk)."),
    indexingThreshold: wholeNumber(0, undefined, "KB").optional().describe("Segment size in KB above which vectors get an HNSW index; 0 turns indexing off."),
    flushIntervalSec: wholeNumber(0, undefined, "seconds").optional().describe("Shortest interval between forced flushes, in seconds."),
    maxOptimizationThreads: wholeNumber(0, undefined, "threads").optional().describe("Optimization jobs per shard; 0 turns optimization off."),
  })
  .describe("Optimizer settings (Qdrant's optimizers_config); unset keys keep Qdrant's defaults.");

export const collectionSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: "must be 1-255 letters, digits, '_' or '-' (it becomes a URL path and a backup folder name)" })
      .meta(terraformChecks({ check: "pattern", error: "must be 1-255 letters, digits, '_' or '-' (it becomes a URL path and a backup folder name)" }))
      .describe("Collection name."),
    vectorSize: wholeNumber(1, 65536, "dimensions").describe("Vector dimensions (1536 for text-embedding-3-small)."),
    distance: z.enum(DISTANCES).default("Cosine").describe("Distance function."),
    onDisk: z.boolean().optional().describe("Store original vectors on disk (memmap) instead of RAM."),
    onDiskPayload: z.boolean().default(true).describe("Store payloads on disk."),
    hnswConfig: hnswConfigSchema.prefault({ m: 16, efConstruct: 100, fullScanThreshold: 20000 }),
    quantization: quantizationSchema.optional(),
    optimizersConfig: optimizersConfigSchema.optional(),
    payloadIndexes: z.array(payloadIndexSchema).prefault(SEED_PAYLOAD_INDEXES).describe("Payload indexes; default: keyword on document_id, filename, content_type, customer_id and tags, datetime on upload_timestamp."),
    replicationFactor: wholeNumber(1, undefined, "copies of each shard").optional().describe("Copies of each shard (cluster mode); must not exceed replicas."),
    writeConsistencyFactor: wholeNumber(1, undefined, "replicas that must confirm a write").optional().describe("Replicas that must confirm a write; must not exceed replicationFactor."),
    shardNumber: wholeNumber(1, undefined, "shards").optional().describe("Shards per collection."),
  })
  .describe("A collection the init Job creates.");

export type CollectionConfig = z.output<typeof collectionSchema>;
export type CollectionInput = z.input<typeof collectionSchema>;

/** The qdrant-deployment module's default collections: documents and conversations, 1536-d Cosine, six payload indexes. */
export const SEED_COLLECTIONS: CollectionInput[] = [
  { name: "documents", vectorSize: 1536, distance: "Cosine" },
  { name: "conversations", vectorSize: 1536, distance: "Cosine" },
];
