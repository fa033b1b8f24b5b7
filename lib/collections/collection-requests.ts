/**
 * collectionsConfig as the collection-init script reads it (COLLECTIONS_FILE): per collection, the body of
 * Qdrant's `PUT /collections/{name}` (snake_case, valid for v1.13 and v1.19) and its payload indexes.
 * Keys left out are not managed by the script. No cdktf here.
 */
import type { CollectionConfig } from "../config/collections";
import { QdrantInputs, snakeCase } from "../config/schema";

export interface CollectionRequest {
  name: string;
  config: Record<string, unknown>;
  payload_indexes: { field_name: string; field_schema: string }[];
}

function snakeKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined).map(([k, v]) => [snakeCase(k), v]));
}

function quantizationConfig(q: NonNullable<CollectionConfig["quantization"]>): Record<string, unknown> {
  if (q.scalar) return { scalar: snakeKeys(q.scalar) };
  if (q.product) return { product: snakeKeys(q.product) };
  return { binary: snakeKeys(q.binary ?? {}) };
}

/**
 * Cluster mode defaults: two copies of every shard where there are peers for them, so losing one node loses
 * no data. shard_number is left to Qdrant unless set (it then takes the peer count at creation, and the
 * script waits for every peer first), because it cannot change later and a default that follows `replicas`
 * would turn every scale-up into unfixable drift.
 */
export function defaultReplicationFactor(replicas: number): number {
  return Math.min(2, replicas);
}

export function collectionRequests(inputs: Pick<QdrantInputs, "collectionsConfig" | "replicas">): CollectionRequest[] {
  return inputs.collectionsConfig.map((c) => {
    const config: Record<string, unknown> = {
      vectors: snakeKeys({ size: c.vectorSize, distance: c.distance, onDisk: c.onDisk }),
      on_disk_payload: c.onDiskPayload,
      hnsw_config: snakeKeys(c.hnswConfig),
      replication_factor: c.replicationFactor ?? defaultReplicationFactor(inputs.replicas),
    };
    if (c.quantization) config.quantization_config = quantizationConfig(c.quantization);
    if (c.optimizersConfig && Object.keys(c.optimizersConfig).length > 0) config.optimizers_config = snakeKeys(c.optimizersConfig);
    if (c.shardNumber !== undefined) config.shard_number = c.shardNumber;
    if (c.writeConsistencyFactor !== undefined) config.write_consistency_factor = c.writeConsistencyFactor;
    return {
      name: c.name,
      config,
      payload_indexes: c.payloadIndexes.map((i) => ({ field_name: i.fieldName, field_schema: i.fieldSchema })),
    };
  });
}

/**
 * The same mapping as collectionRequests, as a Terraform expression over a list in the module's
 * collections_config shape (snake_case, optional attributes null) and a replica count expression. Nulls are
 * left out as the TypeScript mapping leaves out undefined keys; every object is built with merge() so numbers
 * stay numbers. test/module/module-stack.test.ts runs both through terraform and compares them.
 */
export function collectionRequestsHcl(list: string, replicas: string): string {
  const optional = (value: string, key = value.split(".").pop() as string) => `${value} == null ? {} : { ${key} = ${value} }`;
  const quantization = (kind: string, fields: string[]) =>
    `c.quantization.${kind} == null ? {} : { ${kind} = merge({}, ${fields.map((f) => optional(`c.quantization.${kind}.${f}`)).join(", ")}) }`;
  return `[for c in ${list} : {
  name = c.name
  config = merge(
    {
      vectors = merge({ size = c.vector_size, distance = c.distance }, ${optional("c.on_disk")})
      on_disk_payload = c.on_disk_payload
      hnsw_config = merge({ m = c.hnsw_config.m, ef_construct = c.hnsw_config.ef_construct, full_scan_threshold = c.hnsw_config.full_scan_threshold }, ${optional("c.hnsw_config.on_disk")})
      replication_factor = c.replication_factor == null ? min(2, ${replicas}) : c.replication_factor
    },
    c.quantization == null ? {} : { quantization_config = merge(${quantization("scalar", ["type", "quantile", "always_ram"])}, ${quantization("product", ["compression", "always_ram"])}, ${quantization("binary", ["always_ram"])}) },
    c.optimizers_config == null ? {} : length({ for k, v in c.optimizers_config : k => v if v != null }) == 0 ? {} : { optimizers_config = { for k, v in c.optimizers_config : k => v if v != null } },
    ${optional("c.shard_number")},
    ${optional("c.write_consistency_factor")},
  )
  payload_indexes = [for i in c.payload_indexes : { field_name = i.field_name, field_schema = i.field_schema }]
}]`;
}
