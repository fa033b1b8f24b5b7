import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, Op, ref, TerraformStack, TerraformVariable, Token } from "cdktf";
import { choose, Condition, ConditionalBlock, fromPart, not, optionalPart } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import { Construct } from "constructs";
import { addressIn } from "../terraform/addresses";
import { supportsAltApiKey } from "../config/qdrant-version";
import type { QdrantInputs } from "../config/schema";
import type { QdrantNames } from "./naming";

export const API_KEY = "api-key";
export const READ_ONLY_API_KEY = "read-only-api-key";
export const ALT_API_KEY = "alt-api-key";

export interface ApiKeySecretProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
}

export type SecretEnv = { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } };

/**
 * The Secret's name, `<name>-api-key`; built with format() when the name is a Terraform expression, so it can sit
 * inside other expressions (a template string there is an escape cdktf warns about).
 */
export function apiKeySecretNameOf(names: QdrantNames): string {
  return isUnresolvedToken(names.resourceName) ? Token.asString(Fn.format("%s-api-key", [names.resourceName])) : `${names.resourceName}-api-key`;
}

/** How a Job pod finds the read-write key: the Secret, and while which condition it exists (the module: authentication on). */
export interface ApiKeyRef {
  readonly secretName: string;
  readonly when: Condition;
}

/** The QDRANT_API_KEY env entry of the Job pods (the scripts send it when set), present while the Secret is. */
export function jobApiKeyEnv(ref: ApiKeyRef | undefined): ConditionalBlock<SecretEnv>[] {
  if (ref === undefined) return [];
  return [{ when: ref.when, block: { name: "QDRANT_API_KEY", valueFrom: { secretKeyRef: { name: ref.secretName, key: API_KEY } } } }];
}

/** Container env entries that read the keys from the Secret; the read-only one may be missing from it. */
export function apiKeyEnv(secretName: string, qdrantVersion: string, readOnlyOptional: Condition): SecretEnv[] {
  const ref = (key: string, isOptional: Condition) => ({ secretKeyRef: { name: secretName, key, ...(isOptional === false ? {} : { optional: isOptional as boolean }) } });
  return [
    { name: "QDRANT__SERVICE__API_KEY", valueFrom: ref(API_KEY, false) },
    { name: "QDRANT__SERVICE__READ_ONLY_API_KEY", valueFrom: ref(READ_ONLY_API_KEY, readOnlyOptional) },
    ...(supportsAltApiKey(qdrantVersion) ? [{ name: "QDRANT__SERVICE__ALT_API_KEY", valueFrom: ref(ALT_API_KEY, true) }] : []),
  ];
}

/**
 * Qdrant takes an empty key as no key (that kind of access then needs none) and a short one as given; in cluster mode
 * a peer puts its api_key into gRPC metadata at start and stops there if the key has a character metadata cannot
 * carry, such as a line break (v1.19 lib/api/src/grpc/transport_channel_pool.rs). Variables are validated and
 * generated keys are letters and digits, but a Secrets Manager secret's JSON is not checked: the Secret is refused
 * at plan (a postcondition over its own data, so the message never holds a key) unless each key is 32 or more
 * visible ASCII characters.
 */
export const KEY_LENGTH_POSTCONDITION = {
  condition: `\${alltrue([for name, key in self.data : length(key) >= 32 && can(regex("^[!-~]+$", key)) if contains(["${API_KEY}", "${READ_ONLY_API_KEY}", "${ALT_API_KEY}"], name)])}`,
  errorMessage: `Each Qdrant API key (${API_KEY}, ${READ_ONLY_API_KEY}, and ${ALT_API_KEY} when present) must be at least 32 characters, each a visible ASCII character (no space or line break): Qdrant takes an empty key as none, and a peer whose key holds other characters stops at start. Fix the source of the keys (the Secrets Manager secret's JSON, or the variables) and plan again.`,
};

interface KeyValues {
  readWrite: string;
  readOnly?: string;
  /** The whole Secret data as one Terraform expression (without `${}`), when it holds an optional `alt-api-key` entry. */
  alt?: string;
}

/**
 * The Kubernetes Secret holding Qdrant's read-write and read-only API keys. The keys never appear in the
 * synthesized JSON: they are generated (random_password, kept only in Terraform state), come from sensitive
 * Terraform variables or an AWS Secrets Manager secret, or live in a Secret the user already has.
 */
export class ApiKeySecret extends Construct {
  readonly secretName: string;
  /** The Secret may lack `read-only-api-key` (a single key given as apiKey, or a Secret the user made). */
  readonly readOnlyOptional: Condition;
  /**
   * sha256 of the keys (a Terraform expression) for a pod annotation, so pods restart when a key changes;
   * undefined for an existing Secret, whose content Terraform does not see.
   */
  readonly checksum?: string;
  /** While the checksum applies: the module's Secret may be one the user made (api_key_source existingSecret). */
  readonly checksumWhen: Condition = true;
  /**
   * `<sha256 of api-key>,<sha256 of alt-api-key>` of a Secret Terraform manages (a Terraform expression, shown in
   * plans: a hash of a 32+ character key gives nothing away), for the key-change guard; "" for the module's
   * existingSecret, undefined for the stacks' (Terraform does not see its keys).
   */
  readonly keyHashes?: string;
  /** The Secret Terraform manages (undefined for the stacks' existingSecret), for checks before it changes. */
  readonly resource?: SecretV1;

  constructor(scope: Construct, id: string, props: ApiKeySecretProps) {
    super(scope, id);
    const { inputs, names } = props;
    let readOnlyOptional = true;
    if (isUnresolvedToken(inputs.apiKeySource)) {
      const fromVariables = this.fromVariables(props);
      this.secretName = fromVariables.secretName;
      this.checksum = fromVariables.checksum;
      this.checksumWhen = fromVariables.checksumWhen;
      this.keyHashes = fromVariables.keyHashes;
      this.resource = fromVariables.resource;
      this.readOnlyOptional = fromVariables.readOnlyOptional;
      return;
    }
    if (inputs.apiKeySource === "existingSecret") {
      this.secretName = inputs.apiKeySecretName as string;
    } else {
      const keys = this.keyValues(inputs);
      const fixed: Record<string, string> = keys.readOnly === undefined ? { [API_KEY]: keys.readWrite } : { [API_KEY]: keys.readWrite, [READ_ONLY_API_KEY]: keys.readOnly };
      // A reference, not a "${...}" string: inside another expression (the key hashes) it must not nest.
      const data = keys.alt === undefined ? fixed : Token.asStringMap(ref(keys.alt, TerraformStack.of(this)));
      const secret = new SecretV1(this, "resource", {
        metadata: { name: `${names.resourceName}-api-key`, namespace: props.namespace, labels: names.labels },
        type: "Opaque",
        data,
        lifecycle: { postcondition: [KEY_LENGTH_POSTCONDITION] },
      });
      this.resource = secret;
      this.secretName = secret.metadata.name;
      readOnlyOptional = keys.readOnly === undefined;
      this.checksum = Fn.sha256(Fn.jsonencode(secret.data));
      this.keyHashes = keyHashesOf(data);
    }
    this.readOnlyOptional = readOnlyOptional;
  }

  /**
   * The module stack: the key source is a variable (null meaning generate), so each source's resources are
   * counted: passwords (generate, and apiKey when not empty replaces the read-write one), the Secrets Manager
   * lookup, and the Secret itself (all but existingSecret, whose Secret the user owns).
   */
  private fromVariables(props: ApiKeySecretProps): { secretName: string; checksum: string; checksumWhen: Condition; readOnlyOptional: Condition; keyHashes: string; resource?: SecretV1 } {
    const { inputs, names } = props;
    const source = inputs.apiKeySource as string;
    const existing = Op.eq(source, "existingSecret");
    const secretsManager = Op.eq(source, "awsSecretsManager");
    const generate = not(Op.or(existing, secretsManager));
    const passwords = optionalPart(generate, () => new GeneratedKeys(this, "generated"));
    optionalPart(secretsManager, () => new DataAwsSecretsmanagerSecretVersion(this, "secrets-manager", { secretId: inputs.apiKeySecretsManagerId as string }));
    const generatedReadWrite = fromPart(passwords, passwords?.readWrite, "") as string;
    const readWrite = inputs.apiKey === undefined ? generatedReadWrite : Fn.conditional(Op.gte(Fn.lengthOf(inputs.apiKey), 1), inputs.apiKey, generatedReadWrite);
    const data = choose(
      secretsManager,
      // No default: a secret without both keys fails the plan, as in the stacks (the untaken branch is not
      // evaluated); its alt-api-key (rotation) becomes an entry when present and not empty.
      Token.asStringMap(ref(secretsManagerData(addressIn(this, "api-key/secrets-manager")), TerraformStack.of(this))),
      { [API_KEY]: Token.asString(readWrite), [READ_ONLY_API_KEY]: fromPart(passwords, passwords?.readOnly, "") as string },
    );
    const secret = optionalPart(not(existing), () =>
      new SecretV1(this, "resource", {
          metadata: { name: apiKeySecretNameOf(names), namespace: props.namespace, labels: names.labels },
          type: "Opaque",
          data: Token.asStringMap(data),
          lifecycle: { postcondition: [KEY_LENGTH_POSTCONDITION] },
        }),
    );
    return {
      secretName: choose(existing, inputs.apiKeySecretName as string, fromPart(secret, secret?.metadata.name, apiKeySecretNameOf(names)) as string),
      checksum: fromPart(secret, Fn.sha256(Fn.jsonencode(secret?.data)), "none") as string,
      keyHashes: choose(existing, "", keyHashesOf(Token.asStringMap(data))),
      resource: secret,
      checksumWhen: not(existing),
      readOnlyOptional: existing,
    };
  }

  private keyValues(inputs: QdrantInputs): KeyValues {
    if (inputs.apiKey !== undefined && inputs.apiKeySource !== "generate") return { readWrite: inputs.apiKey };
    if (inputs.apiKeySource === "variable") return this.variableKeys(inputs);
    if (inputs.apiKeySource === "awsSecretsManager") {
      const version = new DataAwsSecretsmanagerSecretVersion(this, "secrets-manager", { secretId: inputs.apiKeySecretsManagerId as string });
      const json = Fn.jsondecode(version.secretString);
      const keys: KeyValues = { readWrite: Token.asString(Fn.lookup(json, API_KEY)), readOnly: Token.asString(Fn.lookup(json, READ_ONLY_API_KEY)) };
      // The secret's optional alt-api-key (rotation) becomes an entry only when present and not empty.
      if (supportsAltApiKey(inputs.qdrantVersion)) keys.alt = secretsManagerData(addressIn(this, "api-key/secrets-manager"));
      return keys;
    }
    ensureRandomProvider(this);
    const password = (suffix: string) => new Password(this, suffix, { length: 48, special: false }).result;
    const generated = { readWrite: password("api_key"), readOnly: password("read_only_api_key") };
    // The module stack: its api_key variable when not empty, else the generated key.
    if (inputs.apiKey !== undefined) generated.readWrite = Token.asString(Fn.conditional(Op.gte(Fn.lengthOf(inputs.apiKey), 1), inputs.apiKey, generated.readWrite));
    return generated;
  }

  private variableKeys(inputs: QdrantInputs): KeyValues {
    const variable = (suffix: string, what: string, optional = false) => {
      const name = addressIn(this, `api-key/${suffix}`);
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
      return v;
    };
    const keys: KeyValues = {
      readWrite: variable("api_key", "read-write").stringValue,
      readOnly: variable("read_only_api_key", "read-only").stringValue,
    };
    if (supportsAltApiKey(inputs.qdrantVersion)) {
      variable("alt_api_key", "second read-write (rotation; empty when not rotating)", true);
      // Only a non-empty value becomes an entry: an empty alt key must never reach Qdrant.
      const v = (suffix: string) => `var.${addressIn(this, `api-key/${suffix}`)}`;
      keys.alt = `merge({ "${API_KEY}" = ${v("api_key")}, "${READ_ONLY_API_KEY}" = ${v("read_only_api_key")} }, ${altEntry(v("alt_api_key"))})`;
    }
    return keys;
  }
}

/**
 * The read-write and alternate keys' sha256 (without an alternate, that of "none": no key is that short), from the
 * Secret's data as configured (variables, generated passwords, the Secrets Manager secret), not from the resource:
 * a check over it can then run before the Secret changes.
 */
function keyHashesOf(data: Record<string, string>): string {
  // A non-empty default: cdktf's Fn.lookup drops a falsy one and renders data[key], which fails on a missing key.
  const hash = (key: string) => Fn.sha256(Fn.lookup(data, key, "none"));
  return Token.asString(Fn.nonsensitive(Fn.join(",", [hash(API_KEY), hash(ALT_API_KEY)])));
}

/**
 * The Secret data from a Secrets Manager secret's JSON: both keys (required: a secret without them fails the
 * plan) and, when present and not empty, `alt-api-key`.
 */
function secretsManagerData(logicalId: string): string {
  const secret = `jsondecode(data.aws_secretsmanager_secret_version.${logicalId}.secret_string)`;
  return `merge({ "${API_KEY}" = ${secret}["${API_KEY}"], "${READ_ONLY_API_KEY}" = ${secret}["${READ_ONLY_API_KEY}"] }, ${altEntry(`lookup(${secret}, "${ALT_API_KEY}", "")`)})`;
}

/** `{ "alt-api-key" = value }` when the value is not empty, else `{}`: an empty alt key must never reach Qdrant. */
function altEntry(value: string): string {
  return `{ for k, v in { "${ALT_API_KEY}" = ${value} } : k => v if v != "" }`;
}

/** The generated read-write and read-only keys (random_password, kept only in Terraform state). */
class GeneratedKeys extends Construct {
  readonly readWrite: string;
  readonly readOnly: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    ensureRandomProvider(this);
    const password = (suffix: string) => new Password(this, suffix, { length: 48, special: false }).result;
    this.readWrite = password("api_key");
    this.readOnly = password("read_only_api_key");
  }
}

function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild("random")) new RandomProvider(stack, "random");
}
