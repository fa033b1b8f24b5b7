import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "./naming";

export interface WorkloadServiceAccountProps {
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly name: string;
  readonly annotations?: Record<string, string>;
}

/**
 * One ServiceAccount per workload, so nothing runs as the namespace's `default` account. No API token
 * is mounted unless the workload asks for one (Qdrant makes no Kubernetes API calls).
 */
export class WorkloadServiceAccount extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: WorkloadServiceAccountProps) {
    super(scope, id);
    const account = new ServiceAccountV1(this, "resource", {
      metadata: { name: props.name, namespace: props.namespace, labels: props.names.labels, annotations: props.annotations },
      automountServiceAccountToken: false,
    });
    this.name = account.metadata.name;
  }
}
