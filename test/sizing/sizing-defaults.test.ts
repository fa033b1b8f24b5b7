import { capacityInputOf, sizingWarningsOf } from "../../lib/sizing/sizing-defaults";
import { resolveInputs } from "../../lib/config/validate";

/** The homelab design's collection: int8 kept in RAM, the originals on disk (on_disk: true), payloads in RAM. */
const spikeCollections = [{ name: "agent_memory", vectorSize: 1536, onDisk: true, onDiskPayload: false, quantization: { scalar: { type: "int8" as const, alwaysRam: true } } }];
const base = { customerName: "acme", enableAuthentication: false, backupEnabled: false, collectionsConfig: spikeCollections };

describe("sizing defaults", () => {
  it("sets memory and storage from the estimate when they are not explicit (the spike's 1Gi/2Gi/10Gi)", () => {
    const inputs = resolveInputs({ ...base, sizing: { expectedVectors: 100000 } });
    expect(inputs.resources).toEqual({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "4", memory: "2Gi" } });
    expect(inputs.storageSize).toBe("10Gi");
    expect(sizingWarningsOf(inputs)).toEqual([]);
  });

  it("keeps explicit values, and warns naming the numbers when they are below the estimate", () => {
    const inputs = resolveInputs({ ...base, sizing: { expectedVectors: 1000000 }, resources: { limits: { cpu: "2", memory: "1Gi" } }, storageSize: "5Gi" });
    expect(inputs.resources.limits.memory).toBe("1Gi");
    expect(inputs.resources.requests.memory).toBe("1Gi"); // the default bends to the explicit limit
    expect(inputs.storageSize).toBe("5Gi");
    const warnings = sizingWarningsOf(inputs);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^memoryRequest 1Gi is below the estimated RAM of [\d.]+ GB per pod \(1,000,000 vectors × 1536 dims, int8 quantization, 1 pod\); recommended 4Gi$/);
    expect(warnings[2]).toMatch(/^storageSize 5Gi is below the estimated disk of [\d.]+ GB per pod/);
  });

  it("counts the original vectors in RAM unless every collection puts them on disk (quantized or not, as Qdrant does)", () => {
    const inRam = [{ ...spikeCollections[0], onDisk: undefined }];
    expect(capacityInputOf(resolveInputs({ ...base, collectionsConfig: inRam, sizing: { expectedVectors: 100000 } }))?.onDiskVectors).toBe(false);
    expect(resolveInputs({ ...base, collectionsConfig: inRam, sizing: { expectedVectors: 100000 } }).resources.requests.memory).toBe("2Gi");
    const mixed = [...spikeCollections, { name: "notes", vectorSize: 768 }];
    expect(capacityInputOf(resolveInputs({ ...base, collectionsConfig: mixed, sizing: { expectedVectors: 100000 } }))?.onDiskVectors).toBe(false);
  });

  it("sizes the busiest pod for the most copies and the shard count that loads it most", () => {
    const cluster = { ...base, replicas: 3, sizing: { expectedVectors: 100000 } };
    const input = (collections: object[]) => capacityInputOf(resolveInputs({ ...cluster, collectionsConfig: collections }));
    // No explicit factor or shard count: Qdrant's defaults (min(2, replicas), the peer count) are the model's too.
    expect(input(spikeCollections)).toMatchObject({ replicas: 3 });
    expect(input(spikeCollections)?.replicationFactor).toBeUndefined();
    // One collection with 3 copies of 1 shard: every pod holds every point, as with the default 3 shards (more WALs).
    const everywhere = [...spikeCollections, { ...spikeCollections[0], name: "everywhere", replicationFactor: 3, shardNumber: 1 }];
    expect(input(everywhere)).toMatchObject({ replicationFactor: 3, shardNumber: 3 });
    // Explicit factor 1 everywhere: not raised to the default.
    expect(input([{ ...spikeCollections[0], replicationFactor: 1 }])).toMatchObject({ replicationFactor: 1 });
    // 6 shards of 2 copies on 3 pods put 4 on each (2/3 of the points), as the default 3 shards (2 each): the more shards.
    expect(input([{ ...spikeCollections[0], shardNumber: 6 }, { ...spikeCollections[0], name: "b" }])).toMatchObject({ shardNumber: 6 });
    // 4 shards put 3 on the busiest pod (3/4 of the points), more than the default 3 shards do (2/3).
    expect(input([{ ...spikeCollections[0], shardNumber: 4 }, { ...spikeCollections[0], name: "b" }])).toMatchObject({ shardNumber: 4 });
    // 1 shard of 2 copies: a pod holds all of it.
    expect(input([{ ...spikeCollections[0], shardNumber: 1 }, { ...spikeCollections[0], name: "b", shardNumber: 4 }])).toMatchObject({ shardNumber: 1 });
  });

  it("takes the largest quantized copy any collection keeps, whatever their order", () => {
    const withQuantization = (...kinds: object[]) =>
      capacityInputOf(resolveInputs({ ...base, sizing: { expectedVectors: 100000 }, collectionsConfig: kinds.map((quantization, i) => ({ ...spikeCollections[0], name: `c${i}`, quantization })) }));
    expect(withQuantization({ binary: {} }, { scalar: { type: "int8" } })?.quantization).toBe("int8");
    expect(withQuantization({ product: { compression: "x32" } }, { binary: {} })?.quantization).toBe("binary");
    expect(withQuantization({ product: { compression: "x16" } }, { binary: {} })?.quantization).toBe("product-x16");
  });

  it("changes nothing without sizing", () => {
    expect(resolveInputs(base).resources.requests.memory).toBe("2Gi");
    expect(sizingWarningsOf(resolveInputs(base))).toEqual([]);
  });
});
