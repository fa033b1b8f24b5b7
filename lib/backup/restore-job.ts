import {
  JobV1,
  jobV1SpecTemplateSpecContainerEnvToTerraform,
  jobV1SpecTemplateSpecContainerEnvFromToTerraform,
  jobV1SpecTemplateSpecContainerVolumeMountToTerraform,
  jobV1SpecTemplateSpecVolumeToTerraform,
} from "@cdktf/provider-kubernetes/lib/job-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { QdrantNames } from "../core/naming";
import type { JobDeadlines } from "./job-deadlines";
import { addBackupPodBlocks, BackupPodConverters, backupPodTemplate, BackupPodProps } from "./backup-pod";
import type { Condition } from "../terraform/conditional";
import { TerraformDataResource } from "../terraform/terraform-data";

const CONVERTERS: BackupPodConverters = {
  env: jobV1SpecTemplateSpecContainerEnvToTerraform,
  envFrom: jobV1SpecTemplateSpecContainerEnvFromToTerraform,
  volumeMount: jobV1SpecTemplateSpecContainerVolumeMountToTerraform,
  volume: jobV1SpecTemplateSpecVolumeToTerraform,
};

export interface QdrantRestoreJobProps extends Omit<BackupPodProps, "component" | "script" | "extraEnv"> {
  readonly names: QdrantNames;
  readonly namespace: string;
  /** YYYYMMDD_HHMMSS or "latest". */
  readonly timestamp: string;
  /** May delete a collection that holds points but cannot take the backup's snapshots (backupRestoreReplaceIncompatible). */
  readonly replaceIncompatible: Condition;
  readonly dependsOn: ITerraformDependable[];
  readonly deadlines: JobDeadlines;
}

/**
 * The opt-in restore: checks every file of the named backup against its manifest (size and sha256) before
 * touching Qdrant, recreates collections that cannot take the snapshots (empty ones; ones holding points only with
 * backupRestoreReplaceIncompatible), puts each peer's shards back on that peer, then streams the snapshots one at a
 * time (each peer's snapshot to the same peer ordinal). It refuses, saying why, when the peer count differs from the
 * backup's. Apply does not wait for it: follow `kubectl logs job/<name>-restore`. No TTL: a Job the TTL controller
 * deleted would be created again by the next apply. A Job created again for the same request restores nothing: the
 * request is a `terraform_data` whose id (new each time the restore is declared) the script records at the
 * destination when it completes (restores/<id>.json), and finds there on a second run.
 */
export class QdrantRestoreJob extends Construct {
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: QdrantRestoreJobProps) {
    super(scope, id);
    // The name stays within Kubernetes' 63 characters; a new timestamp changes the pod spec, which replaces the Job.
    const name = `${props.names.resourceName}-restore`;
    // A new timestamp is a new request (a new id), also when the Job is then replaced through allowDestroy.
    const request = new TerraformDataResource(this, "request", { timestamp: props.timestamp }, { timestamp: props.timestamp });
    const { template, blocks } = backupPodTemplate({
      ...props,
      component: "restore",
      script: "qdrant-restore.sh",
      extraEnv: [
        { when: true, block: { name: "RESTORE_TIMESTAMP", value: props.timestamp } },
        { when: true, block: { name: "RESTORE_REQUEST_ID", value: request.getStringAttribute("id") } },
        // RESTORE_REPLACE_INCOMPATIBLE only when allowed: a Job whose pod spec changes is replaced, and so runs again.
        { when: props.replaceIncompatible, block: { name: "RESTORE_REPLACE_INCOMPATIBLE", value: "true" } },
      ],
    });
    const job = new JobV1(this, "resource", {
      metadata: { name, namespace: props.namespace, labels: template.metadata.labels },
      spec: { backoffLimit: 0, activeDeadlineSeconds: props.deadlines.seconds("restore"), template },
      waitForCompletion: false,
      // Terraform does not wait for the restore (it may take hours); these bound only its API calls.
      timeouts: { create: "1m", update: "1m", delete: "1m" },
      dependsOn: props.dependsOn,
    });
    addBackupPodBlocks(job, "spec.template.spec", blocks, CONVERTERS);
    this.jobName = job.metadata.name;
  }
}
