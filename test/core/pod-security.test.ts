import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { Aspects, TerraformStack, Testing } from "cdktf";
import { PodSecurityAspect, podSpecViolations, PodSecurityViolation, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../lib/core/pod-security";

function stackWithJob(container: Record<string, unknown>, pod: Record<string, unknown> = restrictedPodSecurityContext({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 })) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "t");
  Aspects.of(stack).add(new PodSecurityAspect());
  new JobV1(stack, "job", {
    metadata: { name: "j" },
    spec: { template: { metadata: {}, spec: { securityContext: pod, container: [{ name: "work", image: "busybox:1.36", ...container }] } } },
  }).overrideLogicalId("example");
  return stack;
}

describe("PodSecurityAspect", () => {
  it("accepts a pod built from the shared security contexts", () => {
    expect(() => Testing.synth(stackWithJob({ securityContext: restrictedContainerSecurityContext() }))).not.toThrow();
  });

  it("fails synth naming the resource and every missing field", () => {
    expect(() => Testing.synth(stackWithJob({}, {}))).toThrow(
      new PodSecurityViolation([
        'kubernetes_job_v1.example: container "work": security_context.allow_privilege_escalation must be false',
        'kubernetes_job_v1.example: container "work": security_context.read_only_root_filesystem must be true',
        'kubernetes_job_v1.example: container "work": run_as_non_root must be true (pod or container)',
        'kubernetes_job_v1.example: container "work": security_context.capabilities.drop must include "ALL"',
        'kubernetes_job_v1.example: container "work": seccomp_profile.type must be RuntimeDefault (pod or container)',
      ]),
    );
  });

  it("fails on a root user, added capabilities, host namespaces and hostPath volumes", () => {
    const problems = podSpecViolations({
      host_network: true,
      security_context: { run_as_user: "0", run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } },
      volume: [{ name: "docker", host_path: { path: "/var/run" } }],
      container: [{ name: "c", security_context: { allow_privilege_escalation: false, read_only_root_filesystem: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } } }],
    });
    expect(problems).toEqual([
      "security_context.run_as_user is 0 (root)",
      'container "c": security_context.capabilities.add may only hold NET_BIND_SERVICE',
      "uses host namespaces",
      'volume "docker" is a hostPath',
    ]);
  });
});
