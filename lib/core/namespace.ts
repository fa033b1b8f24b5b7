import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "./naming";

export interface QdrantNamespaceProps {
  readonly names: QdrantNames;
}

/**
 * The namespace, labelled to enforce the Pod Security "restricted" profile. Built only with createNamespace;
 * an existing namespace's Pod Security labels are its owner's job.
 */
export class QdrantNamespace extends Construct {
  /** The namespace name, as a reference to the resource, so objects wait for it. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: QdrantNamespaceProps) {
    super(scope, id);
    const namespace = new NamespaceV1(this, "resource", {
      metadata: {
        name: props.names.namespace,
        labels: props.names.withLabels({
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        }),
      },
    });
    this.name = namespace.metadata.name;
  }
}
