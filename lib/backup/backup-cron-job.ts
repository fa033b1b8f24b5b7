import {
  CronJobV1,
  cronJobV1SpecJobTemplateSpecTemplateSpecContainerEnvToTerraform,
  cronJobV1SpecJobTemplateSpecTemplateSpecContainerEnvFromToTerraform,
  cronJobV1SpecJobTemplateSpecTemplateSpecContainerVolumeMountToTerraform,
  cronJobV1SpecJobTemplateSpecTemplateSpecVolumeToTerraform,
} from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { Condition, isDecided } from "../terraform/conditional";
import type { QdrantNames } from "../core/naming";
import type { JobDeadlines } from "./job-deadlines";
import { addBackupPodBlocks, BackupPodConverters, backupPodTemplate, BackupPodProps } from "./backup-pod";

const CONVERTERS: BackupPodConverters = {
  env: cronJobV1SpecJobTemplateSpecTemplateSpecContainerEnvToTerraform,
  envFrom: cronJobV1SpecJobTemplateSpecTemplateSpecContainerEnvFromToTerraform,
  volumeMount: cronJobV1SpecJobTemplateSpecTemplateSpecContainerVolumeMountToTerraform,
  volume: cronJobV1SpecJobTemplateSpecTemplateSpecVolumeToTerraform,
};

export interface QdrantBackupCronJobProps extends Omit<BackupPodProps, "component" | "script"> {
  readonly names: QdrantNames;
  readonly namespace: string;
  /** backup (qdrant-backup.sh on backupSchedule) or backup-verify (qdrant-backup-verify.sh). */
  readonly kind: "backup" | "backup-verify";
  readonly schedule: string;
  readonly deadlines: JobDeadlines;
  /**
   * Runs stop while this holds (a restore is declared): a backup of a Qdrant that is being restored would be the
   * newest complete one, empty or partial, and `latest` would then name it.
   */
  readonly suspend: Condition;
}

/**
 * A finished run's Job, pod and scratch volume (a generic ephemeral volume, deleted with its pod) go after ten
 * minutes, so no snapshot-sized volume sits idle until the history limit rotates it out. What a run said stays at
 * the destination (<TS>/backup.log); whether it succeeded stays in the CronJob's status, which the alerts read.
 */
export const BACKUP_JOB_TTL_SECONDS = 600;

const SCRIPTS = { backup: "qdrant-backup.sh", "backup-verify": "qdrant-backup-verify.sh" } as const;
/** Name suffixes: `<name>-backup` (as in the qdrant-deployment module) and `<name>-verify` (CronJob names stop at 52 characters). */
const SUFFIXES = { backup: "backup", "backup-verify": "verify" } as const;

/**
 * A CronJob running a backup script in UTC: never two at once (Forbid), a missed run may start up to an hour
 * late, a run is stopped at a deadline that follows the data (job-deadlines.ts: at least six hours), a
 * finished Job is deleted after BACKUP_JOB_TTL_SECONDS, and no run starts while a restore is declared.
 * The backup writes manifest.json last, so a run that fails leaves no complete-looking backup.
 */
export class QdrantBackupCronJob extends Construct {
  readonly cronJobName: string;

  constructor(scope: Construct, id: string, props: QdrantBackupCronJobProps) {
    super(scope, id);
    const name = `${props.names.resourceName}-${SUFFIXES[props.kind]}`;
    const { template, blocks } = backupPodTemplate({ ...props, component: props.kind, script: SCRIPTS[props.kind] });
    const cronJob = new CronJobV1(this, "resource", {
      metadata: { name, namespace: props.namespace, labels: template.metadata.labels },
      spec: {
        schedule: props.schedule,
        // Unset unless suspended (the provider's default, false), so a deployment without a restore plans as before.
        suspend: isDecided(props.suspend) ? props.suspend || undefined : Token.asAny(Fn.conditional(props.suspend, true, Token.nullValue())),
        timezone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: template.metadata.labels },
          spec: { backoffLimit: 1, activeDeadlineSeconds: props.deadlines.seconds(props.kind), ttlSecondsAfterFinished: String(BACKUP_JOB_TTL_SECONDS), template },
        },
      },
    });
    addBackupPodBlocks(cronJob, "spec.job_template.spec.template.spec", blocks, CONVERTERS);
    this.cronJobName = cronJob.metadata.name;
  }
}
