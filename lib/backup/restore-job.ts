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
import { addBackupPodBlocks, BackupPodConverters, backupPodTemplate, BackupPodProps } from "./backup-pod";

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
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The opt-in restore: downloads the named backup, checks every file's sha256 against its manifest before
 * touching Qdrant, then uploads each collection (each peer's snapshot to the same peer ordinal). It refuses,
 * saying why, when the peer count differs from the backup's. Apply does not wait for it: follow
 * `kubectl logs job/<name>-restore`.
 */
export class QdrantRestoreJob extends Construct {
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: QdrantRestoreJobProps) {
    super(scope, id);
    // The name stays within Kubernetes' 63 characters; a new timestamp changes the pod spec, which replaces the Job.
    const name = `${props.names.resourceName}-restore`;
    const { template, blocks } = backupPodTemplate({
      ...props,
      component: "restore",
      script: "qdrant-restore.sh",
      extraEnv: [{ name: "RESTORE_TIMESTAMP", value: props.timestamp }],
    });
    const job = new JobV1(this, "resource", {
      metadata: { name, namespace: props.namespace, labels: template.metadata.labels },
      spec: { backoffLimit: 0, activeDeadlineSeconds: 12 * 3600, template },
      waitForCompletion: false,
      dependsOn: props.dependsOn,
    });
    addBackupPodBlocks(job, "spec.template.spec", blocks, CONVERTERS);
    this.jobName = job.metadata.name;
  }
}
