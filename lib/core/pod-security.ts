/**
 * The Pod Security "restricted" profile, written once: every pod this library creates (Qdrant, init,
 * backup, restore) takes its security contexts from here, and PodSecurityAspect fails synth if any pod
 * spec in the tree lacks them.
 */
import { IAspect, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";

export interface PodIdentity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
}

export function restrictedPodSecurityContext(identity: PodIdentity) {
  return {
    runAsNonRoot: true,
    runAsUser: String(identity.runAsUser),
    runAsGroup: String(identity.runAsGroup),
    fsGroup: String(identity.fsGroup),
    // Large volumes: only chown when the root of the volume is not already ours.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedContainerSecurityContext() {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export class PodSecurityViolation extends Error {
  constructor(readonly violations: string[]) {
    super(`Pod Security "restricted" violations (every pod must use lib/core/pod-security.ts):\n${violations.map((v) => `  - ${v}`).join("\n")}`);
    this.name = "PodSecurityViolation";
  }
}

type Json = Record<string, unknown>;

const first = (value: unknown): Json | undefined => (Array.isArray(value) ? (value[0] as Json | undefined) : (value as Json | undefined));

/** Where the pod spec sits in each workload resource's synthesized JSON. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  kubernetes_pod_v1: ["spec"],
  kubernetes_stateful_set_v1: ["spec", "template", "spec"],
  kubernetes_deployment_v1: ["spec", "template", "spec"],
  kubernetes_daemon_set_v1: ["spec", "template", "spec"],
  kubernetes_job_v1: ["spec", "template", "spec"],
  kubernetes_cron_job_v1: ["spec", "job_template", "spec", "template", "spec"],
};

/** Restricted-profile problems of one synthesized pod spec (snake_case JSON), each naming the field. */
export function podSpecViolations(podSpec: Json): string[] {
  const problems: string[] = [];
  const pod = first(podSpec.security_context) ?? {};
  const podSeccomp = first(pod.seccomp_profile)?.type;
  if (pod.run_as_user !== undefined && String(pod.run_as_user) === "0") problems.push("security_context.run_as_user is 0 (root)");
  const containers = [
    ...((podSpec.init_container as Json[] | undefined) ?? []).map((c) => ["init_container", c] as const),
    ...((podSpec.container as Json[] | undefined) ?? []).map((c) => ["container", c] as const),
  ];
  if (containers.length === 0) problems.push("has no containers");
  for (const [kind, container] of containers) {
    const where = `${kind} "${String(container.name)}"`;
    const sc = first(container.security_context) ?? {};
    if (sc.allow_privilege_escalation !== false) problems.push(`${where}: security_context.allow_privilege_escalation must be false`);
    if (sc.privileged === true) problems.push(`${where}: security_context.privileged must not be true`);
    if (sc.read_only_root_filesystem !== true) problems.push(`${where}: security_context.read_only_root_filesystem must be true`);
    if (sc.run_as_non_root !== true && pod.run_as_non_root !== true) problems.push(`${where}: run_as_non_root must be true (pod or container)`);
    const drop = (first(sc.capabilities)?.drop as string[] | undefined) ?? [];
    if (!drop.includes("ALL")) problems.push(`${where}: security_context.capabilities.drop must include "ALL"`);
    const add = (first(sc.capabilities)?.add as string[] | undefined) ?? [];
    if (add.some((c) => c !== "NET_BIND_SERVICE")) problems.push(`${where}: security_context.capabilities.add may only hold NET_BIND_SERVICE`);
    const seccomp = first(sc.seccomp_profile)?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccomp_profile.type must be RuntimeDefault (pod or container)`);
    if (sc.run_as_user !== undefined && String(sc.run_as_user) === "0") problems.push(`${where}: security_context.run_as_user is 0 (root)`);
  }
  if (podSpec.host_network === true || podSpec.host_pid === true || podSpec.host_ipc === true) problems.push("uses host namespaces");
  for (const volume of (podSpec.volume as Json[] | undefined) ?? []) {
    if (volume.host_path !== undefined) problems.push(`volume "${String(volume.name)}" is a hostPath`);
  }
  return problems;
}

/** Fails synth when any pod-bearing resource in the tree breaks the restricted profile. */
export class PodSecurityAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const path = POD_SPEC_PATHS[node.terraformResourceType];
    if (!path) return;
    const synthesized = node.toTerraform() as { resource: Record<string, Record<string, Json>> };
    const body = Object.values(synthesized.resource[node.terraformResourceType])[0];
    const podSpec = path.reduce<Json | undefined>((at, key) => first(at?.[key]), body);
    const address = `${node.terraformResourceType}.${node.friendlyUniqueId}`;
    const violations = podSpec ? podSpecViolations(podSpec) : ["has no pod spec"];
    if (violations.length > 0) throw new PodSecurityViolation(violations.map((v) => `${address}: ${v}`));
  }
}
