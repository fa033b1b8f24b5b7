/** Rules on collectionsConfig: names, replication within the cluster, payload indexes. */
import { defaultReplicationFactor } from "../../collections/collection-requests";
import type { CollectionConfig } from "../collections";
import type { CrossFieldRule, Item } from "./rule";

/** The collection (and payload index) a rule on list items is looking at. */
const collection = (item: Item) => item.items[0] as CollectionConfig;
const index = (item: Item) => item.items[1] as CollectionConfig["payloadIndexes"][number];
const replicationOf = (c: CollectionConfig, replicas: number | undefined) => c.replicationFactor ?? defaultReplicationFactor(replicas ?? 1);

export const collectionRules: CrossFieldRule[] = [
  {
    id: "collections.unique-names",
    field: "collectionsConfig[].name",
    message: "duplicates `collectionsConfig[{first}].name`; collection names must be unique",
    values: {
      first: {
        stacks: (p, item) => p.collectionsConfig?.findIndex((c) => c.name === collection(item).name),
        module: "index(var.collections_config[*].name, c.name)",
      },
    },
    stacks: (p, item) => p.collectionsConfig?.findIndex((c) => c.name === collection(item).name) !== item.indexes[0],
    module: "index(var.collections_config[*].name, c.name) != i",
  },
  {
    id: "collections.replication-within-replicas",
    field: "collectionsConfig[].replicationFactor",
    message: "exceeds `replicas` ({replicas}); Qdrant cannot place more copies of a shard than there are peers",
    values: { replicas: { stacks: (p) => p.replicas, module: "var.replicas" } },
    stacks: (p, item) => p.replicas !== undefined && collection(item).replicationFactor !== undefined && (collection(item).replicationFactor as number) > p.replicas,
    module: "c.replication_factor != null && try(c.replication_factor > var.replicas, false)",
  },
  {
    id: "collections.write-consistency-within-replication",
    field: "collectionsConfig[].writeConsistencyFactor",
    message: "exceeds `replicationFactor` ({replication}); a write cannot wait for more replicas than exist",
    values: {
      replication: { stacks: (p, item) => replicationOf(collection(item), p.replicas), module: "coalesce(c.replication_factor, min(2, var.replicas))" },
    },
    stacks: (p, item) => {
      const c = collection(item);
      return c.writeConsistencyFactor !== undefined && c.writeConsistencyFactor > replicationOf(c, p.replicas);
    },
    module: "c.write_consistency_factor != null && try(c.write_consistency_factor > coalesce(c.replication_factor, min(2, var.replicas)), false)",
  },
  {
    id: "collections.unique-payload-indexes",
    field: "collectionsConfig[].payloadIndexes[].fieldName",
    message: "is indexed twice in this collection; list each field once",
    stacks: (_p, item) => collection(item).payloadIndexes.findIndex((x) => x.fieldName === index(item).fieldName) !== item.indexes[1],
    module: "index(c.payload_indexes[*].field_name, x.field_name) != j",
  },
];
