import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "./naming";

export interface QdrantPodDisruptionBudgetProps {
  readonly names: QdrantNames;
  readonly namespace: string;
}

/** Cluster mode: node drains and upgrades take down at most one Qdrant peer at a time. */
export class QdrantPodDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: QdrantPodDisruptionBudgetProps) {
    super(scope, id);
    new PodDisruptionBudgetV1(this, "resource", {
      metadata: { name: props.names.resourceName, namespace: props.namespace, labels: props.names.labels },
      spec: { maxUnavailable: "1", selector: { matchLabels: props.names.selectorLabels } },
    });
  }
}
