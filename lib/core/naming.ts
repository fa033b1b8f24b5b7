/**
 * Names and labels every part derives from the inputs, computed once so parts agree (the Service a
 * StatefulSet governs, the selector a NetworkPolicy matches). No cdktf here.
 */
import { supportsMetricsPort } from "../config/qdrant-version";
import { resourceNameOf } from "../config/rules";
import type { QdrantInputs } from "../config/schema";
import { isUnresolvedToken } from "../config/tokens";

/** Merges label maps, later keys winning; the construct layer passes one that also merges Terraform map expressions. */
export type LabelMerge = (...maps: Record<string, string>[]) => Record<string, string>;
const spreadLabels: LabelMerge = (...maps) => Object.assign({}, ...maps);

export const HTTP_PORT = 6333;
export const GRPC_PORT = 6334;
export const P2P_PORT = 6335;

/** Tells the headless Service apart from the client Service (both select the same pods). */
export const HEADLESS_SERVICE_LABEL = { "app.kubernetes.io/component": "peers" };

/** The components of this deployment's Jobs; the NetworkPolicy lets exactly these reach Qdrant's API. */
export const JOB_COMPONENTS = ["collection-init", "backup", "restore", "backup-verify"] as const;

export interface QdrantNames {
  /** StatefulSet and client Service (`<customer>-qdrant`; the homelab's `qdrant`). */
  readonly resourceName: string;
  readonly namespace: string;
  readonly headlessServiceName: string;
  readonly configMapName: string;
  readonly serviceAccountName: string;
  /** volumeClaimTemplate names: PVCs are `<template>-<resourceName>-<ordinal>`. */
  readonly dataVolumeName: string;
  readonly snapshotsVolumeName: string;
  readonly serviceFqdn: string;
  /** Selects the Qdrant pods; never changes for a deployment (a StatefulSet selector is immutable). */
  readonly selectorLabels: Record<string, string>;
  /** Labels on every object: commonLabels + app.kubernetes.io/* . */
  readonly labels: Record<string, string>;
  /** Labels on the Qdrant pods and their PVCs. */
  readonly podLabels: Record<string, string>;
  /**
   * Qdrant runs with cluster mode on. Always when replicas is a Terraform variable (the module stack): a
   * single-peer cluster is valid and later scales up without re-bootstrapping.
   */
  readonly clusterMode: boolean;
  /** labels plus extra entries (merged in Terraform when labels is an expression). */
  readonly withLabels: (extra: Record<string, string>) => Record<string, string>;
  /** Qdrant >= v1.17 serves /metrics on its own unauthenticated port; older versions on the http port, behind the key. */
  readonly metricsPort?: number;
  /** "https" when TLS is on. */
  readonly scheme: "http" | "https";
}

export function qdrantNames(inputs: QdrantInputs, merge: LabelMerge = spreadLabels): QdrantNames {
  const resourceName = resourceNameOf(inputs);
  const selectorLabels = { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": resourceName };
  const labels = merge(inputs.commonLabels, { ...selectorLabels, "app.kubernetes.io/managed-by": "terraform" });
  const withLabels = (extra: Record<string, string>) => merge(labels, extra);
  return {
    resourceName,
    namespace: inputs.namespace,
    headlessServiceName: `${resourceName}-headless`,
    configMapName: `${resourceName}-config`,
    serviceAccountName: resourceName,
    dataVolumeName: "qdrant-data",
    snapshotsVolumeName: "qdrant-snapshots",
    serviceFqdn: `${resourceName}.${inputs.namespace}.svc.${inputs.clusterDomain}`,
    selectorLabels,
    labels,
    withLabels,
    podLabels: withLabels({ "app.kubernetes.io/component": "vector-store", "app.kubernetes.io/version": inputs.qdrantVersion }),
    clusterMode: isUnresolvedToken(inputs.replicas) || (inputs.clusterMode ?? inputs.replicas > 1),
    scheme: inputs.tls ? "https" : "http",
    metricsPort: supportsMetricsPort(inputs.qdrantVersion) ? inputs.monitoring.metricsPort : undefined,
  };
}

/**
 * Labels of a Job or CronJob pod of this deployment. Its app.kubernetes.io/name differs from the Qdrant pods'
 * on purpose: the Services select name + instance, and must never route clients to a Job's pod.
 */
export function jobPodLabels(names: QdrantNames, component: (typeof JOB_COMPONENTS)[number]): Record<string, string> {
  return names.withLabels({ "app.kubernetes.io/name": `qdrant-${component}`, "app.kubernetes.io/component": component });
}
