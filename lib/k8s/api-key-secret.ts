import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, Op, TerraformStack, TerraformVariable, Token } from "cdktf";
import type { Condition } from "../conditional";
import { Construct } from "constructs";
import { supportsAltApiKey } from "../inputs/qdrant-version";
import type { QdrantInputs } from "../inputs/schema";
import type { QdrantNames } from "../naming";
import { readableId } from "./readable-id";

export const API_KEY = "api-key";
export const READ_ONLY_API_KEY = "read-only-api-key";
export const ALT_API_KEY = "alt-api-key";

export interface ApiKeySecretProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly idPrefix: string;
}

type SecretEnv = { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } };

/** How a Job pod finds the read-write key: the Secret, and whether it may be missing (module, authentication off). */
export interface ApiKeyRef {
  readonly secretName: string;
  readonly optional: Condition;
}

/** The QDRANT_API_KEY env entry of the Job pods (the scripts send it when set). */
export function jobApiKeyEnv(ref: ApiKeyRef | undefined): SecretEnv[] {
  if (ref === undefined) return [];
  const optional = ref.optional === false ? {} : { optional: ref.optional as boolean };
  return [{ name: "QDRANT_API_KEY", valueFrom: { secretKeyRef: { name: ref.secretName, key: API_KEY, ...optional } } }];
}

/**
 * Container env entries that read the keys from the Secret. `keysOptional` (the module stack's
 * `!enable_authentication`) makes every entry optional, so pods start without keys when there is no Secret.
 */
export function apiKeyEnv(secretName: string, qdrantVersion: string, readOnlyOptional: boolean, keysOptional: Condition = false): SecretEnv[] {
  const optional = (always: boolean): Condition => (always ? true : keysOptional);
  const ref = (key: string, isOptional: Condition) => ({ secretKeyRef: { name: secretName, key, ...(isOptional === false ? {} : { optional: isOptional as boolean }) } });
  return [
    { name: "QDRANT__SERVICE__API_KEY", valueFrom: ref(API_KEY, optional(false)) },
    { name: "QDRANT__SERVICE__READ_ONLY_API_KEY", valueFrom: ref(READ_ONLY_API_KEY, optional(readOnlyOptional)) },
    ...(supportsAltApiKey(qdrantVersion) ? [{ name: "QDRANT__SERVICE__ALT_API_KEY", valueFrom: ref(ALT_API_KEY, true) }] : []),
  ];
}

interface KeyValues {
  readWrite: string;
  readOnly?: string;
  /** The whole Secret data as one Terraform expression, when it holds an optional `alt-api-key` entry. */
  alt?: string;
}

/**
 * The Kubernetes Secret holding Qdrant's read-write and read-only API keys. The keys never appear in the
 * synthesized JSON: they are generated (random_password, kept only in Terraform state), come from sensitive
 * Terraform variables or an AWS Secrets Manager secret, or live in a Secret the user already has.
 */
export class ApiKeySecret extends Construct {
  readonly secretName: string;
  /** The Secret may lack `read-only-api-key` (a single key given as apiKey). */
  readonly readOnlyOptional: boolean;
  /**
   * sha256 of the keys (a Terraform expression) for a pod annotation, so pods restart when a key changes;
   * undefined for an existing Secret, whose content Terraform does not see.
   */
  readonly checksum?: string;

  constructor(scope: Construct, id: string, props: ApiKeySecretProps) {
    super(scope, id);
    const { inputs, names, idPrefix } = props;
    let readOnlyOptional = true;
    if (inputs.apiKeySource === "existingSecret") {
      this.secretName = inputs.apiKeySecretName as string;
    } else {
      const keys = this.keyValues(inputs, idPrefix);
      const fixed: Record<string, string> = keys.readOnly === undefined ? { [API_KEY]: keys.readWrite } : { [API_KEY]: keys.readWrite, [READ_ONLY_API_KEY]: keys.readOnly };
      const secret = new SecretV1(this, "resource", {
        metadata: { name: `${names.resourceName}-api-key`, namespace: props.namespace, labels: names.labels },
        type: "Opaque",
        data: keys.alt === undefined ? fixed : Token.asStringMap(keys.alt),
      });
      readableId(secret, idPrefix, "api_key");
      this.secretName = secret.metadata.name;
      readOnlyOptional = keys.readOnly === undefined;
      this.checksum = Fn.sha256(Fn.jsonencode(secret.data));
    }
    this.readOnlyOptional = readOnlyOptional;
  }

  private keyValues(inputs: QdrantInputs, idPrefix: string): KeyValues {
    if (inputs.apiKey !== undefined && inputs.apiKeySource !== "generate") return { readWrite: inputs.apiKey };
    if (inputs.apiKeySource === "variable") return this.variableKeys(inputs, idPrefix);
    if (inputs.apiKeySource === "awsSecretsManager") {
      const version = new DataAwsSecretsmanagerSecretVersion(this, "secrets-manager", { secretId: inputs.apiKeySecretsManagerId as string });
      readableId(version, idPrefix, "api_key");
      const json = Fn.jsondecode(version.secretString);
      return { readWrite: Token.asString(Fn.lookup(json, API_KEY)), readOnly: Token.asString(Fn.lookup(json, READ_ONLY_API_KEY)) };
    }
    ensureRandomProvider(this);
    const password = (suffix: string) => readableId(new Password(this, suffix, { length: 48, special: false }), idPrefix, suffix).result;
    const generated = { readWrite: password("api_key"), readOnly: password("read_only_api_key") };
    // The module stack: its api_key variable when not empty, else the generated key.
    if (inputs.apiKey !== undefined) generated.readWrite = Token.asString(Fn.conditional(Op.gte(Fn.lengthOf(inputs.apiKey), 1), inputs.apiKey, generated.readWrite));
    return generated;
  }

  private variableKeys(inputs: QdrantInputs, idPrefix: string): KeyValues {
    const variable = (suffix: string, what: string, optional = false) => {
      const name = `${idPrefix}_${suffix}`;
      const v = new TerraformVariable(this, suffix, {
        type: "string",
        sensitive: true,
        nullable: false,
        default: optional ? "" : undefined,
        description: `Qdrant ${what} API key (at least 32 characters).`,
        validation: [
          {
            condition: optional ? `\${var.${name} == "" || length(var.${name}) >= 32}` : `\${length(var.${name}) >= 32}`,
            errorMessage: `${name} must be at least 32 characters${optional ? " (or empty)" : ""}.`,
          },
        ],
      });
      v.overrideLogicalId(name);
      return v;
    };
    const keys: KeyValues = {
      readWrite: variable("api_key", "read-write").stringValue,
      readOnly: variable("read_only_api_key", "read-only").stringValue,
    };
    if (supportsAltApiKey(inputs.qdrantVersion)) {
      variable("alt_api_key", "second read-write (rotation; empty when not rotating)", true);
      // Only a non-empty value becomes an entry: an empty alt key must never reach Qdrant.
      const v = (suffix: string) => `var.${idPrefix}_${suffix}`;
      keys.alt =
        `\${merge({ "${API_KEY}" = ${v("api_key")}, "${READ_ONLY_API_KEY}" = ${v("read_only_api_key")} }, ` +
        `{ for k, v in { "${ALT_API_KEY}" = ${v("alt_api_key")} } : k => v if v != "" })}`;
    }
    return keys;
  }
}

function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild("random")) new RandomProvider(stack, "random");
}
