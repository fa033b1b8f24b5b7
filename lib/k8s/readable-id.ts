import { TerraformElement } from "cdktf";

/**
 * Gives a resource a readable Terraform address (`kubernetes_stateful_set_v1.qdrant`) instead of a
 * hash-suffixed one. Addresses are a public contract: changing one destroys and recreates the resource.
 */
export function readableId<T extends TerraformElement>(element: T, prefix: string, suffix?: string): T {
  element.overrideLogicalId(suffix ? `${prefix}_${suffix}` : prefix);
  return element;
}
