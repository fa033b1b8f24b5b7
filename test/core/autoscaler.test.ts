import { resource, synthDeployment } from "../helpers/synth";

describe("QdrantAutoscaler", () => {
  const json = synthDeployment({ replicas: 3, autoscaling: { enabled: true, maxReplicas: 6 } });
  const hpa = resource(json, "kubernetes_horizontal_pod_autoscaler_v2", "qdrant");

  it("scales the StatefulSet up from replicas, on CPU and memory", () => {
    expect(hpa.spec).toMatchObject({
      scale_target_ref: { api_version: "apps/v1", kind: "StatefulSet", name: "${kubernetes_stateful_set_v1.qdrant.metadata[0].name}" },
      min_replicas: 3,
      max_replicas: 6,
      metric: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", average_utilization: 80 } } },
        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", average_utilization: 80 } } },
      ],
    });
  });

  it("never scales down, and adds one peer at a time", () => {
    expect(hpa.spec.behavior.scale_down).toEqual([{ select_policy: "Disabled", policy: [{ type: "Pods", value: 1, period_seconds: 60 }] }]);
    expect(hpa.spec.behavior.scale_up).toEqual([{ stabilization_window_seconds: 300, select_policy: "Max", policy: [{ type: "Pods", value: 1, period_seconds: 300 }] }]);
  });

  it("stops Terraform from resetting the replica count the autoscaler raised", () => {
    expect(resource(json, "kubernetes_stateful_set_v1", "qdrant").lifecycle.ignore_changes).toEqual(["spec[0].volume_claim_template", 'spec[0].template[0].metadata[0].annotations["kubectl.kubernetes.io/restartedAt"]', "spec[0].replicas"]);
    expect(resource(synthDeployment({ replicas: 3 }), "kubernetes_stateful_set_v1", "qdrant").lifecycle.ignore_changes).toEqual(["spec[0].volume_claim_template", 'spec[0].template[0].metadata[0].annotations["kubectl.kubernetes.io/restartedAt"]']);
  });

  it("installs metrics-server with Helm only when asked", () => {
    expect(json.resource.helm_release).toBeUndefined();
    const withMetrics = synthDeployment({ replicas: 3, autoscaling: { enabled: true, maxReplicas: 4, installMetricsServer: true } });
    expect(resource(withMetrics, "helm_release", "metrics_server")).toMatchObject({
      name: "metrics-server",
      namespace: "kube-system",
      repository: "https://kubernetes-sigs.github.io/metrics-server/",
      chart: "metrics-server",
      version: "3.12.2",
    });
  });

  it("fails outside cluster mode, and when maxReplicas is not above replicas", () => {
    expect(() => synthDeployment({ autoscaling: { enabled: true, maxReplicas: 3 } })).toThrow(
      "autoscaling.enabled: needs cluster mode (replicas >= 2): a second single-node Qdrant would be a separate, empty database; set replicas to 2 or more (got true)",
    );
    expect(() => synthDeployment({ replicas: 3, autoscaling: { enabled: true, maxReplicas: 3 } })).toThrow(
      "autoscaling.maxReplicas: must be greater than replicas (3), the autoscaler's minimum (got 3)",
    );
  });
});
