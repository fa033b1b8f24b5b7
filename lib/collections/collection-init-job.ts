import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1, JobV1SpecTemplateSpecContainerEnv, jobV1SpecTemplateSpecContainerEnvToTerraform } from "@cdktf/provider-kubernetes/lib/job-v1";
import { addBlockList, ConditionalBlock, decidedBlocks } from "../terraform/conditional";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { isUnresolvedToken } from "../config/tokens";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { collectionRequests } from "./collection-requests";
import type { QdrantInputs } from "../config/schema";
import { HTTP_PORT, jobPodLabels, QdrantNames } from "../core/naming";
import { scriptLiteral } from "../terraform/script-text";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../core/pod-security";
import { WorkloadServiceAccount } from "../core/rbac";
import { ApiKeyRef, jobApiKeyEnv } from "../core/api-key-secret";
import { waitBudget } from "../terraform/wait-budget";

const SCRIPT = "collection-init.sh";
const MOUNT = "/etc/qdrant-init";
const TLS_CA_MOUNT = "/etc/qdrant-tls";

export interface CollectionInitJobProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly serviceName: string;
  /** Secret with the API keys when authentication is on; the read-write key is sent as QDRANT_API_KEY. */
  readonly apiKey?: ApiKeyRef;
  /** The TLS Secret when TLS is on (its ca.crt verifies Qdrant when caInSecret). */
  readonly tlsSecretName?: string;
  /** The Job starts after these (the StatefulSet: Terraform waits for its rollout). */
  readonly dependsOn: ITerraformDependable[];
}

let scriptsHashOnce: string | undefined;

/** sha256 of the script and the libraries it sources, one after the other (the same every time: computed once). */
function scriptsHash(): string {
  // Updates, not one concatenated string: the same digest without building (and flattening) a third copy.
  scriptsHashOnce ??= createHash("sha256").update(scriptLiteral(SCRIPT)).update(scriptLiteral("log.sh")).update(scriptLiteral("qdrant-api.sh")).digest("hex");
  return scriptsHashOnce;
}

/**
 * The Job that makes Qdrant's collections and payload indexes match collectionsConfig, running
 * lib/collections/collection-init.sh from a ConfigMap. Re-runs are safe: it creates what is missing, updates
 * settings Qdrant can change in place, refuses (naming both values) what it cannot, and never deletes.
 * A checksum of the collections, the scripts and the image (env COLLECTIONS_CHECKSUM, also the
 * `checksum/collections` annotation) replaces the Job when one of them changes, and only then.
 */
export class CollectionInitJob extends Construct {
  readonly jobName: string;
  readonly checksum: string;
  readonly job: JobV1;

  constructor(scope: Construct, id: string, props: CollectionInitJobProps) {
    super(scope, id);
    const { inputs, names } = props;
    const name = `${names.resourceName}-init`;
    // In the module stack collectionsConfig is a Terraform expression that already holds the requests (collectionRequestsHcl).
    const fromTerraform = isUnresolvedToken(inputs.collectionsConfig);
    const data = {
      [SCRIPT]: scriptLiteral(SCRIPT),
      "log.sh": scriptLiteral("log.sh"),
      "qdrant-api.sh": scriptLiteral("qdrant-api.sh"),
      "collections.json": fromTerraform ? Fn.jsonencode(inputs.collectionsConfig) : `${JSON.stringify(collectionRequests(inputs), null, 2)}\n`,
    };
    const checksummed = { data, image: inputs.jobImage, replicas: inputs.replicas };
    // With Terraform inputs, Terraform hashes them; the scripts go in as their own hash (script text inside an
    // expression would need a second layer of template escaping).
    this.checksum = fromTerraform
      ? Fn.sha256(Fn.jsonencode({ scripts: scriptsHash(), collections: data["collections.json"], image: inputs.jobImage, replicas: inputs.replicas }))
      : createHash("sha256").update(JSON.stringify(checksummed)).digest("hex");
    const labels = jobPodLabels(names, "collection-init");

    const configMap = new ConfigMapV1(this, "config", { metadata: { name, namespace: props.namespace, labels }, data });
    const account = new WorkloadServiceAccount(this, "service-account", { names, namespace: props.namespace, name });

    // Its share of the apply's wait budget: the script's waits end before the Job's deadline, the deadline before Terraform's wait.
    const budget = waitBudget(inputs.applyWaitMinutes, inputs.startupTimeoutSeconds);
    const verifyWithCa = props.tlsSecretName !== undefined && inputs.tls?.caInSecret === true;
    const env: ConditionalBlock<JobV1SpecTemplateSpecContainerEnv>[] = [
      ...[
        { name: "QDRANT_URL", value: `${names.scheme}://${props.serviceName}.${names.namespace}.svc.${inputs.clusterDomain}:${HTTP_PORT}` },
        { name: "COLLECTIONS_FILE", value: `${MOUNT}/collections.json` },
        { name: "EXPECTED_PEERS", value: String(inputs.replicas) },
        { name: "WAIT_TIMEOUT_SECONDS", value: isUnresolvedToken(budget.jobWaitSeconds) ? Token.asString(budget.jobWaitSeconds) : String(budget.jobWaitSeconds) },
        // A Job's container fields force a new Job (kubernetes provider: podSpecFields(false)); its pod template's
        // annotations do not, so the checksum that must re-run the Job lives here.
        { name: "COLLECTIONS_CHECKSUM", value: this.checksum },
      ].map((block) => ({ when: true, block })),
      ...jobApiKeyEnv(props.apiKey),
      { when: verifyWithCa, block: { name: "CURL_CA_BUNDLE", value: `${TLS_CA_MOUNT}/ca.crt` } },
    ];
    const activeDeadlineSeconds = budget.jobDeadlineSeconds;
    const job = new JobV1(this, "job", {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds,
        // No ttlSecondsAfterFinished: a Job Kubernetes removed drops out of Terraform's state, and every plan after
        // that would show it to be created again (and each apply would wait for it). The finished Job and its pod
        // stay (no volume), with its logs, until a change replaces it.
        template: {
          metadata: { labels, annotations: { "checksum/collections": this.checksum } },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: account.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(inputs.podSecurity),
            container: [
              {
                name: "collection-init",
                image: inputs.jobImage,
                imagePullPolicy: "IfNotPresent",
                command: ["bash", `${MOUNT}/${SCRIPT}`],
                env: decidedBlocks(env),
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                volumeMount: [
                  { name: "init", mountPath: MOUNT, readOnly: true },
                  ...(verifyWithCa ? [{ name: "tls-ca", mountPath: TLS_CA_MOUNT, readOnly: true }] : []),
                ],
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
            volume: [
              { name: "init", configMap: { name: configMap.metadata.name } },
              ...(verifyWithCa ? [{ name: "tls-ca", secret: { secretName: props.tlsSecretName, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
            ],
          },
        },
      },
      // apply fails (naming the Job) if the collections cannot be made to match.
      waitForCompletion: true,
      timeouts: { create: budget.jobTimeout, update: budget.jobTimeout, delete: "1m" },
      dependsOn: props.dependsOn,
    });
    // The provider plans a change of the pod template's labels or annotations in place and then leaves it out of
    // its patch (a diff forever): they are set when the Job is created.
    job.addOverride("lifecycle.ignore_changes", ["spec[0].template[0].metadata"]);
    // Module stack: the key entry follows enable_authentication, so the list is written in order.
    addBlockList(job, "spec.template.spec.container.0", "env", env, jobV1SpecTemplateSpecContainerEnvToTerraform);
    this.job = job;
    this.jobName = job.metadata.name;
  }
}
