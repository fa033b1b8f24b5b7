/**
 * The Terraform address contract of a QdrantDeployment, in one table: each Terraform element's construct path
 * inside the deployment → its logical id (the name in `kubernetes_stateful_set_v1.qdrant`). Renaming an entry
 * destroys and recreates that resource in every user's next plan; golden tests pin the result.
 *
 * `{id}` is the deployment's construct id with characters Terraform does not allow replaced by `_` (`qdrant` for
 * the app's stacks); `{out}` is empty for the id `qdrant` and `{id}_` otherwise, so several deployments fit in one
 * stack. QdrantDeployment installs the table in whatever stack holds it (useAddressTable), so the contract holds
 * in the app's stacks and in a library user's plain TerraformStack alike.
 */
import { TerraformElement, TerraformStack } from "cdktf";
import { IConstruct, Node } from "constructs";

/** [construct path, logical id]. */
type Entry = readonly [path: string, logicalId: string];

export const ADDRESSES: readonly Entry[] = [
  ["namespace/resource", "{id}"],
  ["storage-class/resource", "{id}"],
  ["scratch-storage-class/resource", "{id}_scratch"],
  ["config/resource", "{id}_config"],
  ["service-account/resource", "{id}"],
  // API keys: one Secret; generated, variable or Secrets Manager values.
  ["api-key/resource", "{id}_api_key"],
  ["api-key/api_key", "{id}_api_key"],
  ["api-key/read_only_api_key", "{id}_read_only_api_key"],
  ["api-key/alt_api_key", "{id}_alt_api_key"],
  ["api-key/generated/api_key", "{id}_api_key"],
  ["api-key/generated/read_only_api_key", "{id}_read_only_api_key"],
  ["api-key/secrets-manager", "{id}_api_key"],
  ["api-key-hashes", "{id}_api_key_sha256"],
  ["tls/certificate", "{id}_tls"],
  ["services/client", "{id}"],
  ["services/headless", "{id}_headless"],
  ["statefulset/resource", "{id}"],
  ["upgrade-guard/running", "{id}_running"],
  ["plan-guard", "{id}_plan_guard"],
  ["collection-init/config", "{id}_init"],
  ["collection-init/job", "{id}_init"],
  ["collection-init/service-account/resource", "{id}_init"],
  // Backup, restore and verification, with their AWS identity and bucket.
  ["backup/scripts", "{id}_backup_scripts"],
  // The module only: the snapshot volume in bytes, for the Jobs' deadlines (job-deadlines.ts).
  ["peer-volume-bytes", "{id}_peer_volume_bytes"],
  ["backup/service-account/resource", "{id}_backup"],
  ["backup/cron-job/resource", "{id}_backup"],
  ["backup/verify/resource", "{id}_verify"],
  ["backup/restore-service-account/resource", "{id}_restore"],
  ["backup/restore/resource", "{id}_restore"],
  ["backup/restore/request", "{id}_restore_request"],
  ["backup/volume", "{id}_backups"],
  ["backup/region", "{id}_backup"],
  ["backup/identity/irsa/cluster", "{id}_backup"],
  ["backup/identity/irsa/oidc", "eks"],
  ["backup/identity/irsa/trust", "{id}_backup_trust"],
  // Pod Identity's trust: both exist in the module (the identity is a variable there); a data source, so no state.
  ["backup/identity/trust", "{id}_backup_pod_identity_trust"],
  ["backup/identity/role", "{id}_backup"],
  ["backup/identity/access", "{id}_backup_access"],
  ["backup/identity/policy", "{id}_backup"],
  ["backup/identity/association", "{id}_backup"],
  ["backup/identity/association-restore", "{id}_restore"],
  ["backup/bucket/bucket", "{id}_backup"],
  ["backup/bucket/encryption", "{id}_backup"],
  ["backup/bucket/versioning", "{id}_backup"],
  ["backup/bucket/public-access-block", "{id}_backup"],
  ["backup/bucket/ownership", "{id}_backup"],
  ["backup/bucket/policy", "{id}_backup"],
  ["backup/bucket/lifecycle", "{id}_backup"],
  ["monitoring/service-monitor", "{id}_service_monitor"],
  ["monitoring/prometheus-rule", "{id}_alerts"],
  ["pdb/resource", "{id}"],
  ["autoscaler/resource", "{id}"],
  ["autoscaler/metrics-server", "metrics_server"],
  ["network-policy/resource", "{id}"],
  ["external-service/resource", "{id}_external"],
  // Outputs: the names of the qdrant-deployment module's outputs for the deployment with id `qdrant`.
  ...["namespace", "service_name", "service_fqdn", "connection_string", "grpc_connection_string", "http_port", "grpc_port"].map((o) => [`output-${o}`, `{out}${o}`] as const),
  ...["statefulset_name", "headless_service_name", "external_service_name", "backup_destination", "backup_role_arn", "api_key_secret_name"].map(
    (o) => [`output-${o}`, `{out}${o}`] as const,
  ),
];

const BY_PATH = new Map(ADDRESSES.map((entry) => [entry[0], entry]));
const deployments = new WeakSet<IConstruct>();
const tabledStacks = new WeakSet<TerraformStack>();

/** The `{id}` of a construct id: Terraform names allow letters, digits, `_` and `-`; `-` becomes `_` too. */
export const addressPrefix = (constructId: string) => constructId.replace(/[^A-Za-z0-9_]/g, "_");

const fill = (deployment: IConstruct, template: string) =>
  template.replace("{id}", addressPrefix(deployment.node.id)).replace("{out}", deployment.node.id === "qdrant" ? "" : `${addressPrefix(deployment.node.id)}_`);

/** The deployment around a construct, and the construct's path inside it. */
function locate(node: Node): { deployment: IConstruct; path: string } | undefined {
  const deployment = [...node.scopes].reverse().find((s) => deployments.has(s));
  return deployment && { deployment, path: node.path.slice(deployment.node.path.length + 1) };
}

/** The logical id of the element at `path` in `deployment`; throws for a path the table does not know. */
function logicalIdOf(deployment: IConstruct, path: string): string {
  const entry = BY_PATH.get(path);
  if (!entry) throw new Error(`no Terraform address for ${path}: add it to lib/terraform/addresses.ts (an address is a public contract, never a hash)`);
  return fill(deployment, entry[1]);
}

/**
 * Makes the stack holding `deployment` name every Terraform element inside it by the table (cdktf asks the
 * stack for an element's logical id the first time the element is referenced). Elements outside any
 * deployment keep the stack's own naming.
 */
export function useAddressTable(deployment: IConstruct): void {
  deployments.add(deployment);
  const stack = TerraformStack.of(deployment);
  if (tabledStacks.has(stack)) return;
  tabledStacks.add(stack);
  const allocate = stack.getLogicalId.bind(stack);
  stack.getLogicalId = (element: Node | TerraformElement) => {
    const found = locate(TerraformElement.isTerraformElement(element) ? element.node : element);
    return found ? logicalIdOf(found.deployment, found.path) : allocate(element);
  };
}

/**
 * The logical id the table gives `path` in the deployment around `scope`: for expressions that must name an
 * element as text, such as a variable's own validation (`var.<name>`).
 */
export function addressIn(scope: IConstruct, path: string): string {
  const found = locate(scope.node);
  if (!found) throw new Error(`addressIn: ${scope.node.path} is not inside a QdrantDeployment`);
  return logicalIdOf(found.deployment, path);
}
