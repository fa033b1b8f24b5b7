import { sizingWarningsOf } from "../../lib/sizing/sizing-defaults";
import { resolveInputs } from "../../lib/config/validate";

const spikeCollections = [{ name: "agent_memory", vectorSize: 1536, onDiskPayload: false, quantization: { scalar: { type: "int8" as const, alwaysRam: true } } }];
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

  it("changes nothing without sizing", () => {
    expect(resolveInputs(base).resources.requests.memory).toBe("2Gi");
    expect(sizingWarningsOf(resolveInputs(base))).toEqual([]);
  });
});
