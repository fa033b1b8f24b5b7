import { Release } from "@cdktf/provider-helm/lib/release";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { Construct } from "constructs";
import type { QdrantInputs } from "../config/schema";
import type { QdrantNames } from "./naming";

/** metrics-server's official chart (kubernetes-sigs), pinned. */
export const METRICS_SERVER_CHART = { repository: "https://kubernetes-sigs.github.io/metrics-server/", chart: "metrics-server", version: "3.12.2" };

export interface QdrantAutoscalerProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly statefulSetName: string;
}

/**
 * A scale-up-only HorizontalPodAutoscaler for the StatefulSet (cluster mode). Scale-down is disabled: a
 * StatefulSet removes its highest pod without draining it, and open-source Qdrant does not move that peer's
 * shards first, so data would be lost. New peers receive no shards until they are replicated or moved to them
 * (README, "Scaling"). Optionally installs metrics-server with Helm.
 */
export class QdrantAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: QdrantAutoscalerProps) {
    super(scope, id);
    const { inputs, names } = props;
    const a = inputs.autoscaling as NonNullable<QdrantInputs["autoscaling"]>;
    const utilization = (name: string, averageUtilization: number) => ({
      type: "Resource",
      resource: { name, target: { type: "Utilization", averageUtilization } },
    });
    new HorizontalPodAutoscalerV2(this, "resource", {
      metadata: { name: names.resourceName, namespace: props.namespace, labels: names.labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: props.statefulSetName },
        minReplicas: inputs.replicas,
        maxReplicas: a.maxReplicas,
        metric: [utilization("cpu", a.targetCpuUtilization), utilization("memory", a.targetMemoryUtilization)],
        behavior: {
          // One peer at a time, after load has stayed high for five minutes.
          scaleUp: [{ stabilizationWindowSeconds: 300, selectPolicy: "Max", policy: [{ type: "Pods", value: 1, periodSeconds: 300 }] }],
          scaleDown: [{ selectPolicy: "Disabled", policy: [{ type: "Pods", value: 1, periodSeconds: 60 }] }],
        },
      },
    });

    if (a.installMetricsServer) {
      new Release(this, "metrics-server", {
        name: "metrics-server",
        namespace: "kube-system",
        ...METRICS_SERVER_CHART,
        atomic: true,
        wait: true,
      });
    }
  }
}
