/**
 * Loads config/ (or $QDRANT_CONFIG_DIR): homelab.yaml and customers/<customer>.yaml, one stack each.
 * Every problem in every file is collected into one QdrantConfigError. Knows nothing of cdktf.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { CROSS_FIELD_RULES, Problem } from "../lib/config/rules";
import { QdrantDeploymentInput, qdrantInputShape, QdrantInputs } from "../lib/config/schema";
import {
  EKS_TOKEN_WAIT_MINUTES,
  eksStackSettingsShape,
  EksStackSettings,
  homelabStackSettingsShape,
  HomelabStackSettings,
  TerraformCloudSettings,
  terraformCloudFromEnv,
} from "../lib/config/stack-settings";
import { collectProblems, formatProblem, QdrantConfigError, Rule } from "../lib/config/validate";

export const eksConfigFileSchema = z.strictObject({ ...qdrantInputShape, ...eksStackSettingsShape });
export const homelabConfigFileSchema = z.strictObject({ ...qdrantInputShape, ...homelabStackSettingsShape });

interface LoadedConfig {
  file: string;
  stackName: string;
  /** The Qdrant inputs as written in the file (defaults not applied). */
  inputs: QdrantDeploymentInput;
  /** The same inputs validated, with defaults. */
  resolved: QdrantInputs;
}

export interface CustomerConfig extends LoadedConfig {
  kind: "eks";
  settings: EksStackSettings;
}

export interface HomelabConfig extends LoadedConfig {
  kind: "homelab";
  settings: HomelabStackSettings;
}

export type StackConfig = CustomerConfig | HomelabConfig;

const QDRANT_KEYS = new Set(Object.keys(qdrantInputShape));

/**
 * Splits a loaded file into the Qdrant inputs as written (QdrantDeployment applies the defaults, and some
 * rules need to know what was set explicitly), the same inputs resolved, and the stack settings.
 */
function split(loaded: { raw: Record<string, unknown>; data: Record<string, unknown> }) {
  const pick = (from: Record<string, unknown>, qdrant: boolean) =>
    Object.fromEntries(Object.entries(from).filter(([key]) => QDRANT_KEYS.has(key) === qdrant));
  return {
    inputs: pick(loaded.raw, true) as QdrantDeploymentInput,
    resolved: pick(loaded.data, true) as QdrantInputs,
    settings: pick(loaded.data, false),
  };
}

const eksOnlyRule: Rule<z.output<typeof eksConfigFileSchema>> = (parsed) => {
  const problems: Problem[] = [];
  if (parsed.eksClusterName === undefined || parsed.eksClusterName === "") {
    problems.push({ path: ["eksClusterName"], message: "is required in a customer file: the EKS stack connects to the cluster through it" });
  }
  if (parsed.kubernetesAuth === "token" && parsed.applyWaitMinutes !== undefined && parsed.applyWaitMinutes > EKS_TOKEN_WAIT_MINUTES) {
    problems.push({
      path: ["applyWaitMinutes"],
      value: parsed.applyWaitMinutes,
      message: `outlives the EKS token: kubernetesAuth "token" (the default) gets one 15-minute token per apply, never renewed, so the apply's waits must end well inside it; set at most ${EKS_TOKEN_WAIT_MINUTES}, or kubernetesAuth: exec (aws eks get-token, renewed; the runner needs the AWS CLI)`,
    });
  }
  return problems;
};

const homelabOnlyRule: Rule<z.output<typeof homelabConfigFileSchema>> = (parsed) => {
  const problems: Problem[] = [];
  if (parsed.apiKeySource === "awsSecretsManager") {
    problems.push({ path: ["apiKeySource"], value: "awsSecretsManager", message: "needs AWS, which the homelab stack does not configure; use generate, variable or existingSecret" });
  }
  if (parsed.enableExternalAccess === true) {
    problems.push({ path: ["enableExternalAccess"], value: true, message: "creates an AWS NLB, which a k3s homelab cannot provision; leave it off" });
  }
  return problems;
};

function readYaml(path: string, label: string, problems: string[]): unknown {
  const doc = parseDocument(readFileSync(path, "utf8"), { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0];
      const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      problems.push(`${label}${line ? `:${line.line}` : ""}: not valid YAML: ${message}`);
    }
    return undefined;
  }
  return doc.toJS() ?? {};
}

function loadFile<S extends z.ZodObject>(
  path: string,
  label: string,
  schema: S,
  rules: Rule<z.output<S>>[],
  defaults: Record<string, unknown>,
  problems: string[],
): { raw: Record<string, unknown>; data: z.output<S> } | undefined {
  const raw = readYaml(path, label, problems);
  if (raw === undefined) return undefined;
  const withDefaults = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? { ...defaults, ...raw } : raw;
  const result = collectProblems(schema, rules as Rule<z.output<S>>[], withDefaults);
  problems.push(...result.problems.map((p: Problem) => formatProblem(p, label)));
  return result.problems.length === 0 && result.data ? { raw: withDefaults as Record<string, unknown>, data: result.data } : undefined;
}

/** The config folder: $QDRANT_CONFIG_DIR or ./config. */
export function configDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.QDRANT_CONFIG_DIR || "config");
}

/** One config per file in `dir`; $TFC_ORGANIZATION (and $TFC_PROJECT) put EKS stacks without a terraformCloud block in Terraform Cloud. */
export function loadStackConfigs(dir: string, env: NodeJS.ProcessEnv = process.env): StackConfig[] {
  const problems: string[] = [];
  const stacks: StackConfig[] = [];
  const label = (path: string) => relative(process.cwd(), path) || path;
  if (!existsSync(dir)) throw new QdrantConfigError([`${dir}: config folder not found; create it or point QDRANT_CONFIG_DIR at one`]);

  const homelabFile = join(dir, "homelab.yaml");
  if (existsSync(homelabFile)) {
    const loaded = loadFile(homelabFile, label(homelabFile), homelabConfigFileSchema, [...CROSS_FIELD_RULES, homelabOnlyRule], {}, problems);
    if (loaded) stacks.push({ kind: "homelab", file: homelabFile, stackName: "qdrant-homelab", ...split(loaded) } as HomelabConfig);
  }

  const customersDir = join(dir, "customers");
  const files = existsSync(customersDir) ? readdirSync(customersDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  for (const file of files) {
    const path = join(customersDir, file);
    const customer = file.replace(/\.ya?ml$/, "");
    const nameRule: Rule<z.output<typeof eksConfigFileSchema>> = (parsed) =>
      parsed.customerName !== undefined && parsed.customerName !== customer
        ? [{ path: ["customerName"], value: parsed.customerName, message: `must match the file name "${customer}" (the stack is qdrant-<file name>); rename the file or the customer` }]
        : [];
    const rules = [...CROSS_FIELD_RULES, eksOnlyRule, nameRule] as Rule<z.output<typeof eksConfigFileSchema>>[];
    const loaded = loadFile(path, label(path), eksConfigFileSchema, rules, { customerName: customer }, problems);
    if (loaded) stacks.push({ kind: "eks", file: path, stackName: `qdrant-${customer}`, ...split(loaded) } as CustomerConfig);
  }

  problems.push(...sharedNamespaceProblems(stacks, label), ...sharedMetricsServerProblems(stacks, label));
  if (stacks.length === 0 && problems.length === 0) problems.push(`${label(dir)}: no homelab.yaml and no customers/*.yaml; nothing to synthesize`);
  if (problems.length > 0) throw new QdrantConfigError(problems);
  // EKS stacks only: the homelab's provider reads a local kubeconfig, which a Terraform Cloud run does not have.
  const fromEnv = terraformCloudFromEnv(env);
  for (const stack of stacks) if (stack.kind === "eks") (stack.settings as { terraformCloud?: TerraformCloudSettings }).terraformCloud ??= fromEnv;
  return stacks;
}

/** One EKS cluster: its name within the stack's region (clusters of other regions or accounts may share a name). */
const clusterKey = (stack: StackConfig) => `${(stack.settings as { awsRegion?: string }).awsRegion}/${stack.resolved.eksClusterName}`;

/**
 * Something on an EKS cluster only one stack may own: the stacks that claim it (`key` defined), each reported after
 * the first with `message(stack, owner)`.
 */
function secondOwnerProblems(stacks: StackConfig[], key: (stack: StackConfig) => string | undefined, message: (stack: StackConfig, owner: StackConfig) => string): string[] {
  const owners = new Map<string, StackConfig>();
  const problems: string[] = [];
  for (const stack of stacks) {
    const k = stack.kind === "eks" ? key(stack) : undefined;
    if (k === undefined) continue;
    const owner = owners.get(k);
    if (owner) problems.push(message(stack, owner));
    else owners.set(k, stack);
  }
  return problems;
}

/** Two stacks creating the same namespace (or cluster-scoped StorageClass) on one cluster would fight over it. */
function sharedNamespaceProblems(stacks: StackConfig[], label: (p: string) => string): string[] {
  return secondOwnerProblems(
    stacks,
    (stack) => (stack.resolved.createNamespace ? `${clusterKey(stack)}/${stack.resolved.namespace}` : undefined),
    (stack, owner) =>
      `${label(stack.file)}: namespace: "${stack.resolved.namespace}" on EKS cluster "${stack.resolved.eksClusterName}" is already created by ${label(owner.file)}; give each customer its own namespace, or set createNamespace: false in one of them`,
  );
}

/**
 * metrics-server is one Helm release per cluster (kube-system/metrics-server): a second stack installing it fails at
 * apply (the name is in use), and destroying the first would remove it under every other customer's autoscaler.
 */
function sharedMetricsServerProblems(stacks: StackConfig[], label: (p: string) => string): string[] {
  return secondOwnerProblems(
    stacks,
    (stack) => (stack.resolved.autoscaling?.installMetricsServer ? clusterKey(stack) : undefined),
    (stack, owner) =>
      `${label(stack.file)}: autoscaling.installMetricsServer: metrics-server on EKS cluster "${stack.resolved.eksClusterName}" is already installed by ${label(owner.file)} (one Helm release per cluster, which destroying that stack removes for all); set it in one stack per cluster only, or install metrics-server outside these stacks`,
  );
}
