/** Rules on authentication: where the API keys come from, and what each source needs. */
import { isUnresolvedToken } from "../tokens";
import type { CrossFieldRule } from "./rule";

export const authenticationRules: CrossFieldRule[] = [
  {
    id: "auth.literal-key",
    field: "apiKey",
    secret: true,
    message:
      "is a literal key, which would be written in plain text into the synthesized Terraform JSON and the config; set `apiKeySource` to generate, variable or existingSecret instead (or pass a Terraform variable's value)",
    stacks: (p) => p.apiKey !== undefined && !isUnresolvedToken(p.apiKey),
    module: { only: "stacks", why: "the module's api_key is a sensitive variable: its value never enters the configuration" },
  },
  {
    id: "auth.source-required",
    field: "apiKeySource",
    message:
      'is required when `enableAuthentication` is true: "generate" (random keys kept in Terraform state), "variable" (sensitive Terraform variables), or "existingSecret" with `apiKeySecretName`; or set `enableAuthentication: false`',
    stacks: (p) => p.enableAuthentication === true && p.apiKey === undefined && p.apiKeySource === undefined,
    module: { only: "stacks", why: "the module keeps qdrant-deployment's behaviour: api_key_source unset generates both keys (or takes api_key)" },
  },
  {
    id: "auth.secrets-manager-id-required",
    field: "apiKeySecretsManagerId",
    message: 'is required when `apiKeySource` is "awsSecretsManager": the secret whose JSON has api-key and read-only-api-key',
    stacks: (p) => p.apiKeySource === "awsSecretsManager" && p.apiKeySecretsManagerId === undefined,
    module: 'var.api_key_source == "awsSecretsManager" && var.api_key_secrets_manager_id == null',
  },
  {
    id: "auth.secrets-manager-id-unused",
    field: "apiKeySecretsManagerId",
    message: 'is only used with `apiKeySource` "awsSecretsManager"',
    stacks: (p) => p.apiKeySecretsManagerId !== undefined && p.apiKeySource !== "awsSecretsManager",
    module: 'var.api_key_secrets_manager_id != null && var.api_key_source != "awsSecretsManager"',
  },
  {
    id: "auth.secret-name-required",
    field: "apiKeySecretName",
    message: 'is required when `apiKeySource` is "existingSecret": the Secret holding api-key and read-only-api-key',
    stacks: (p) => p.apiKeySource === "existingSecret" && p.apiKeySecretName === undefined,
    module: 'var.api_key_source == "existingSecret" && var.api_key_secret_name == null',
  },
  {
    id: "auth.secret-name-unused",
    field: "apiKeySecretName",
    message: 'is only used with `apiKeySource` "existingSecret"',
    stacks: (p) => p.apiKeySecretName !== undefined && p.apiKeySource !== "existingSecret",
    module: 'var.api_key_secret_name != null && var.api_key_source != "existingSecret"',
  },
  {
    id: "auth.key-with-other-source",
    field: "apiKeySource",
    message: "cannot be combined with `apiKey`; choose one key source",
    stacks: (p) => p.apiKey !== undefined && (p.apiKeySource === "generate" || p.apiKeySource === "existingSecret" || p.apiKeySource === "awsSecretsManager"),
    module: 'var.api_key != "" && contains(["generate", "existingSecret", "awsSecretsManager"], coalesce(var.api_key_source, "unset"))',
  },
  {
    id: "auth.key-with-variable-source",
    field: "apiKeySource",
    message:
      'cannot be combined with `apiKey`: "variable" declares its own sensitive variables (qdrant_api_key, qdrant_read_only_api_key); choose one key source',
    stacks: (p) => p.apiKey !== undefined && p.apiKeySource === "variable",
    module: { only: "stacks", why: 'in the module, api_key is the variable: api_key_source = "variable" requires it (auth.variable-key-required)' },
  },
  {
    id: "auth.variable-key-required",
    field: "apiKey",
    message: 'is required when `apiKeySource` is "variable"; pass it from a sensitive variable, or leave `apiKeySource` unset to generate the key',
    stacks: { only: "module", why: 'the stacks declare their own sensitive variables for apiKeySource "variable" (auth.key-with-variable-source)' },
    module: 'var.api_key_source == "variable" && var.api_key == ""',
  },
];
