import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import type { QdrantInputs } from "../inputs/schema";
import type { QdrantNames } from "../naming";
import { readableId } from "./readable-id";

export const API_KEY = "api-key";
export const READ_ONLY_API_KEY = "read-only-api-key";

export interface ApiKeySecretProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly idPrefix: string;
}

/**
 * The Kubernetes Secret holding Qdrant's read-write and read-only API keys. The keys never appear in
 * the synthesized JSON: they are generated (random_password, kept only in Terraform state), come from
 * sensitive Terraform variables, or live in a Secret the user already has.
 */
export class ApiKeySecret extends Construct {
  readonly secretName: string;
  /** Container env entries that read the keys from the Secret. */
  readonly env: { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } }[];

  constructor(scope: Construct, id: string, props: ApiKeySecretProps) {
    super(scope, id);
    const { inputs, names, idPrefix } = props;
    let readOnlyOptional = false;
    if (inputs.apiKeySource === "existingSecret") {
      this.secretName = inputs.apiKeySecretName as string;
      readOnlyOptional = true;
    } else {
      const keys = this.keyValues(inputs, idPrefix);
      const secret = new SecretV1(this, "resource", {
        metadata: { name: `${names.resourceName}-api-key`, namespace: props.namespace, labels: names.labels },
        type: "Opaque",
        data: keys.readOnly === undefined ? { [API_KEY]: keys.readWrite } : { [API_KEY]: keys.readWrite, [READ_ONLY_API_KEY]: keys.readOnly },
      });
      readableId(secret, idPrefix, "api_key");
      this.secretName = secret.metadata.name;
      readOnlyOptional = keys.readOnly === undefined;
    }
    this.env = [
      { name: "QDRANT__SERVICE__API_KEY", valueFrom: { secretKeyRef: { name: this.secretName, key: API_KEY } } },
      {
        name: "QDRANT__SERVICE__READ_ONLY_API_KEY",
        valueFrom: { secretKeyRef: { name: this.secretName, key: READ_ONLY_API_KEY, ...(readOnlyOptional ? { optional: true } : {}) } },
      },
    ];
  }

  private keyValues(inputs: QdrantInputs, idPrefix: string): { readWrite: string; readOnly?: string } {
    if (inputs.apiKey !== undefined) return { readWrite: inputs.apiKey };
    if (inputs.apiKeySource === "variable") {
      const variable = (suffix: string, what: string) => {
        const v = new TerraformVariable(this, suffix, {
          type: "string",
          sensitive: true,
          nullable: false,
          description: `Qdrant ${what} API key (at least 32 characters).`,
          validation: [{ condition: `\${length(var.${idPrefix}_${suffix}) >= 32}`, errorMessage: `${idPrefix}_${suffix} must be at least 32 characters.` }],
        });
        v.overrideLogicalId(`${idPrefix}_${suffix}`);
        return v.stringValue;
      };
      return { readWrite: variable("api_key", "read-write"), readOnly: variable("read_only_api_key", "read-only") };
    }
    ensureRandomProvider(this);
    const password = (suffix: string) =>
      readableId(new Password(this, suffix, { length: 48, special: false }), idPrefix, suffix).result;
    return { readWrite: password("api_key"), readOnly: password("read_only_api_key") };
  }
}

function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild("random")) new RandomProvider(stack, "random");
}
