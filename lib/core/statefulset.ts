import {
  StatefulSetV1,
  StatefulSetV1SpecTemplateSpecAffinity,
  StatefulSetV1SpecTemplateSpecContainerEnv,
  statefulSetV1SpecTemplateSpecContainerEnvToTerraform,
  statefulSetV1SpecTemplateSpecAffinityToTerraform,
  StatefulSetV1SpecTemplateSpecTopologySpreadConstraint,
  statefulSetV1SpecTemplateSpecTopologySpreadConstraintToTerraform,
  StatefulSetV1SpecTemplateSpecToleration,
} from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Fn, ITerraformDependable, Op, Token } from "cdktf";
import { addBlockList, addConditionalBlocks, and, Condition, ConditionalBlock, conditionOf, decidedBlocks, isDecided } from "../terraform/conditional";
import type { SecretEnv } from "./api-key-secret";
import { isUnresolvedToken } from "../config/tokens";
import { Construct } from "constructs";
import type { QdrantInputs } from "../config/schema";
import { GRPC_PORT, HTTP_PORT, P2P_PORT, QdrantNames } from "./naming";
import { scriptLiteral } from "../terraform/script-text";
import { INIT_PATH, SNAPSHOTS_PATH, STORAGE_PATH } from "./qdrant-config";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./pod-security";
import { TLS_MOUNT } from "./tls";
import { waitBudget } from "../terraform/wait-budget";

export interface QdrantStatefulSetProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly storageClassName: string;
  readonly serviceAccountName: string;
  readonly configMapName: string;
  readonly configChecksum: string;
  /** sha256 of the API keys (a Terraform expression), so pods restart when a key rotates; annotated while `when` holds. */
  readonly apiKeysChecksum?: { value: string; when: Condition };
  /** Secret with tls.crt/tls.key, mounted at /qdrant/tls, when TLS is on. */
  readonly tlsSecretName?: string;
  /** What must be finished before the pods roll: the cert-manager Certificate whose Secret they mount. */
  readonly dependsOn?: ITerraformDependable[];
  readonly headlessServiceName: string;
  /** Extra environment (API keys from a Secret), present while `when` holds. */
  readonly secretEnv?: { when: Condition; env: SecretEnv[] };
  /** Annotations of the StatefulSet object itself (not its pods: changing them rolls nothing). */
  readonly metadataAnnotations?: Record<string, string>;
  /** Checks Terraform runs before creating or changing the StatefulSet (the module stack's cross-field rules). */
  readonly preconditions?: { condition: string; errorMessage: string }[];
}

const PROBE_PERIOD_SECONDS = 5;

/**
 * The Qdrant StatefulSet: a data PVC and a snapshot PVC per pod (retained when the StatefulSet is
 * deleted or scaled down), a read-only root filesystem with every write path on a volume, the
 * restricted security contexts, /readyz and /livez probes, and cluster mode when replicas > 1.
 */
export class QdrantStatefulSet extends Construct {
  readonly name: string;
  /** The resource, for dependsOn: Terraform finishes it only when the rollout is complete. */
  readonly resource: StatefulSetV1;

  constructor(scope: Construct, id: string, props: QdrantStatefulSetProps) {
    super(scope, id);
    const { inputs, names } = props;
    const affinityWhen = and(names.clusterMode, conditionOf(inputs.enablePodAntiAffinity));
    const spreadWhen = and(names.clusterMode, conditionOf(inputs.spreadAcrossZones));
    const settled = isDecided(affinityWhen) && !isUnresolvedToken(inputs.podAntiAffinityMode);
    const env = containerEnv(props);
    const statefulSet = new StatefulSetV1(this, "resource", {
      dependsOn: props.dependsOn?.length ? props.dependsOn : undefined,
      metadata: { name: names.resourceName, namespace: props.namespace, labels: names.labels, annotations: props.metadataAnnotations },
      spec: {
        serviceName: props.headlessServiceName,
        replicas: String(inputs.replicas),
        // Parallel in every mode: the field is immutable, so a later move to cluster mode needs no replacement.
        podManagementPolicy: "Parallel",
        selector: { matchLabels: names.selectorLabels },
        updateStrategy: [{ type: "RollingUpdate" }],
        persistentVolumeClaimRetentionPolicy: [{ whenDeleted: "Retain", whenScaled: "Retain" }],
        template: {
          metadata: {
            labels: names.podLabels,
            annotations: podAnnotations(props),
          },
          spec: {
            serviceAccountName: props.serviceAccountName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 30,
            securityContext: restrictedPodSecurityContext(inputs.podSecurity),
            nodeSelector: Object.keys(inputs.nodeSelector).length > 0 ? inputs.nodeSelector : undefined,
            toleration: tolerations(inputs.tolerations),
            affinity: settled && affinityWhen ? antiAffinity(inputs.podAntiAffinityMode, names) : undefined,
            topologySpreadConstraint: spreadWhen === true ? [zoneSpread(names)] : undefined,
            container: [{ ...this.container(props), env: decidedBlocks(env)?.length ? decidedBlocks(env) : undefined }],
            volume: [
              { name: "qdrant-init", emptyDir: { sizeLimit: "1Mi" } },
              ...(props.tlsSecretName ? [{ name: "qdrant-tls", secret: { secretName: props.tlsSecretName, defaultMode: "0440" } }] : []),
            ],
          },
        },
        volumeClaimTemplate: [
          this.claimTemplate(names.dataVolumeName, inputs.storageSize, props.storageClassName, names),
          this.claimTemplate(names.snapshotsVolumeName, inputs.snapshotStorageSize ?? inputs.storageSize, props.storageClassName, names),
        ],
      },
    });
    // Module stack: the anti-affinity (one block per mode) and the zone spread follow their variables.
    if (!settled) {
      const modeIs = (mode: string) => (isUnresolvedToken(inputs.podAntiAffinityMode) ? Op.eq(inputs.podAntiAffinityMode, mode) : inputs.podAntiAffinityMode === mode);
      addConditionalBlocks(
        statefulSet,
        "spec.template.spec",
        "affinity",
        (["required", "preferred"] as const).map((mode) => ({ when: and(affinityWhen, modeIs(mode)), content: statefulSetV1SpecTemplateSpecAffinityToTerraform(antiAffinity(mode, names)) })),
      );
    }
    // Module stack: the key entries follow enable_authentication, so the whole list is written in order.
    addBlockList(statefulSet, "spec.template.spec.container.0", "env", env, statefulSetV1SpecTemplateSpecContainerEnvToTerraform);
    if (isUnresolvedToken(inputs.tolerations)) {
      // The list itself, in its order (cdktf's list iterator would make it a set, which Terraform orders by value).
      statefulSet.addOverride("spec.template.spec.dynamic.toleration", {
        for_each: inputs.tolerations,
        content: Object.fromEntries(["key", "operator", "value", "effect", "toleration_seconds"].map((field) => [field, `\${toleration.value.${field}}`])),
      });
    }
    if (!isDecided(spreadWhen)) {
      addConditionalBlocks(statefulSet, "spec.template.spec", "topology_spread_constraint", [
        { when: spreadWhen, content: statefulSetV1SpecTemplateSpecTopologySpreadConstraintToTerraform(zoneSpread(names)) },
      ]);
    }
    // Terraform waits for the rollout within the apply's budget (lib/terraform/wait-budget.ts); deleting the object is quick.
    const { rolloutTimeout } = waitBudget(inputs.applyWaitMinutes, inputs.startupTimeoutSeconds, inputs.tls?.certManagerIssuer !== undefined);
    statefulSet.putTimeouts({ create: rolloutTimeout, update: rolloutTimeout, delete: "2m" });
    if (props.preconditions?.length) statefulSet.lifecycle = { ...statefulSet.lifecycle, precondition: props.preconditions };
    statefulSet.addOverride("lifecycle.ignore_changes", [
      // Kubernetes never changes a StatefulSet's claim templates, and the provider plans such a change in place and
      // then leaves it out of its patch (a diff forever): Terraform keeps them as created. Growing the volumes has
      // its own procedure (docs/runbook.md), and the running StatefulSet's templates are checked at plan (upgrade-guard.ts).
      "spec[0].volume_claim_template",
      // `kubectl rollout restart` (the TLS-renewal and key-rotation runbooks) stamps this on the pod template; the
      // provider reads template annotations back unfiltered, so the next apply would remove it: another rollout.
      'spec[0].template[0].metadata[0].annotations["kubectl.kubernetes.io/restartedAt"]',
      // The autoscaler owns the replica count once it is on; Terraform must not scale it back down.
      ...(inputs.autoscaling?.enabled ? ["spec[0].replicas"] : []),
    ]);
    this.resource = statefulSet;
    this.name = statefulSet.metadata.name;
  }

  private container(props: QdrantStatefulSetProps) {
    const { inputs, names } = props;
    const ports = [
      { name: "http", containerPort: HTTP_PORT, protocol: "TCP" },
      { name: "grpc", containerPort: GRPC_PORT, protocol: "TCP" },
      ...(names.clusterMode ? [{ name: "p2p", containerPort: P2P_PORT, protocol: "TCP" }] : []),
      ...(names.metricsPort !== undefined ? [{ name: "metrics", containerPort: names.metricsPort, protocol: "TCP" }] : []),
    ];
    const httpGet = (path: string) => ({ path, port: "http", scheme: names.scheme === "https" ? "HTTPS" : undefined });
    return {
      name: "qdrant",
      image: `${inputs.qdrantImage}:${inputs.qdrantVersion}`,
      imagePullPolicy: "IfNotPresent",
      command: names.clusterMode ? ["/bin/bash", "-c", scriptLiteral("qdrant-cluster-start.sh")] : undefined,
      port: ports,
      envFrom: [{ configMapRef: { name: props.configMapName } }],
      resources: { requests: inputs.resources.requests, limits: inputs.resources.limits },
      readinessProbe: { httpGet: httpGet("/readyz"), initialDelaySeconds: 5, periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: 3, failureThreshold: 3 },
      livenessProbe: { httpGet: httpGet("/livez"), initialDelaySeconds: 15, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 3 },
      // Liveness starts only after this passes, so loading a large index does not get the pod killed.
      startupProbe: {
        httpGet: httpGet(startupProbePath(names)),
        initialDelaySeconds: 5,
        periodSeconds: PROBE_PERIOD_SECONDS,
        failureThreshold: isUnresolvedToken(inputs.startupTimeoutSeconds)
          ? Token.asNumber(Fn.ceil(Op.div(inputs.startupTimeoutSeconds, PROBE_PERIOD_SECONDS)))
          : Math.ceil(inputs.startupTimeoutSeconds / PROBE_PERIOD_SECONDS),
      },
      volumeMount: [
        { name: names.dataVolumeName, mountPath: STORAGE_PATH },
        { name: names.snapshotsVolumeName, mountPath: SNAPSHOTS_PATH },
        { name: "qdrant-init", mountPath: INIT_PATH },
        ...(props.tlsSecretName ? [{ name: "qdrant-tls", mountPath: TLS_MOUNT, readOnly: true }] : []),
      ],
      securityContext: restrictedContainerSecurityContext(),
    };
  }

  private claimTemplate(name: string, size: string, storageClassName: string, names: QdrantNames) {
    return {
      // Fixed labels only (not commonLabels, no version): a deployment's claim templates can never change.
      metadata: { name, labels: { ...names.selectorLabels, "app.kubernetes.io/managed-by": "terraform", "app.kubernetes.io/component": "vector-store" } },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName,
        resources: { requests: { storage: size } },
      },
    };
  }
}

/**
 * What the startup probe asks. Qdrant answers `/` once it has loaded its local data (its HTTP server starts after
 * the collections load: src/main.rs). In cluster mode `/readyz` also waits until the peer has caught up with
 * consensus and every local shard replica is Active (src/common/health.rs), which for a large peer recovering
 * replicas after a restart can take longer than any startup budget: the probe would kill it mid-transfer, over
 * and over. So in cluster mode the startup probe asks `/` (as Qdrant's Helm chart does) and readiness keeps
 * `/readyz`: a recovering peer stays out of the Service and holds the rolling update, but is not restarted.
 * A single node keeps `/readyz` (there it answers as soon as the data is loaded).
 */
export function startupProbePath(names: QdrantNames): string {
  return names.clusterMode ? "/" : "/readyz";
}


/** The Qdrant container's environment: the cluster-mode settings, then the API keys while the Secret exists. */
function containerEnv(props: QdrantStatefulSetProps): ConditionalBlock<StatefulSetV1SpecTemplateSpecContainerEnv>[] {
  const { names } = props;
  const clusterEnv = names.clusterMode
    ? [
        { name: "QDRANT_STATEFULSET", value: names.resourceName },
        { name: "QDRANT_HEADLESS_SERVICE", value: names.headlessServiceName },
        { name: "QDRANT_P2P_PORT", value: String(P2P_PORT) },
      ]
    : [];
  return [...clusterEnv.map((block) => ({ when: true, block })), ...(props.secretEnv?.env ?? []).map((block) => ({ when: props.secretEnv?.when ?? true, block }))];
}

/** The pod template's annotations: the checksums that roll the pods, and the scrape annotations. */
function podAnnotations(props: QdrantStatefulSetProps): Record<string, string> {
  const keys = props.apiKeysChecksum;
  const fixed = {
    "checksum/config": props.configChecksum,
    ...(keys?.when === true ? { "checksum/api-keys": keys.value } : {}),
    ...scrapeAnnotations(props.inputs, props.names),
  };
  // Module stack: the keys' checksum only while the module makes the Secret.
  if (keys === undefined || isDecided(keys.when)) return fixed;
  return Token.asStringMap(Fn.merge([fixed, Fn.conditional(keys.when, { "checksum/api-keys": keys.value }, {})]));
}

/** The tolerations of literal inputs (the module stack's variable is a dynamic block). */
function tolerations(list: QdrantInputs["tolerations"]): StatefulSetV1SpecTemplateSpecToleration[] | undefined {
  if (isUnresolvedToken(list) || list.length === 0) return undefined;
  return list.map((t) => ({
    key: t.key,
    operator: t.operator,
    value: t.value,
    effect: t.effect,
    tolerationSeconds: t.tolerationSeconds === undefined ? undefined : String(t.tolerationSeconds),
  }));
}

/**
 * Annotations for annotation-based Prometheus discovery, only where a scrape can succeed: on the metrics port
 * (v1.17+, no key needed) or, without authentication, on the http port. Annotations cannot carry a key.
 */
export function scrapeAnnotations(inputs: QdrantInputs, names: QdrantNames): Record<string, string> {
  if (names.metricsPort === undefined && inputs.enableAuthentication) return {};
  return {
    "prometheus.io/scrape": "true",
    // Token.asString for the module's number: String() of a number token does not survive inside an expression.
    "prometheus.io/port": isUnresolvedToken(names.metricsPort) ? Token.asString(names.metricsPort) : String(names.metricsPort ?? HTTP_PORT),
    "prometheus.io/path": "/metrics",
    ...(names.scheme === "https" ? { "prometheus.io/scheme": "https" } : {}),
  };
}

/**
 * Qdrant peers on different nodes, so one node failure takes one replica (required, or preferred when asked);
 * in cluster mode with enablePodAntiAffinity.
 */
function antiAffinity(mode: QdrantInputs["podAntiAffinityMode"], names: QdrantNames): StatefulSetV1SpecTemplateSpecAffinity {
  const term = { labelSelector: [{ matchLabels: names.selectorLabels }], topologyKey: "kubernetes.io/hostname" };
  return {
    podAntiAffinity:
      mode === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/** Peers spread across zones where the nodes have zones (best effort: a single-zone cluster still schedules); cluster mode with spreadAcrossZones. */
function zoneSpread(names: QdrantNames): StatefulSetV1SpecTemplateSpecTopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: [{ matchLabels: names.selectorLabels }] };
}
