import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "../naming";
import { readableId } from "./readable-id";

export interface QdrantNamespaceProps {
  readonly names: QdrantNames;
  readonly idPrefix: string;
  /** Create the namespace; false to use an existing one (its Pod Security labels are then the owner's job). */
  readonly create: boolean;
}

/** The namespace, labelled to enforce the Pod Security "restricted" profile. */
export class QdrantNamespace extends Construct {
  /** The namespace name; a reference to the created resource when created, so objects wait for it. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: QdrantNamespaceProps) {
    super(scope, id);
    if (!props.create) {
      this.name = props.names.namespace;
      return;
    }
    const namespace = new NamespaceV1(this, "resource", {
      metadata: {
        name: props.names.namespace,
        labels: {
          ...props.names.labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    });
    readableId(namespace, props.idPrefix);
    this.name = namespace.metadata.name;
  }
}
