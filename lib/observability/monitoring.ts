import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { conditionOf, optionalPart } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import { longestIntervalSeconds } from "../config/cron";
import type { QdrantInputs } from "../config/schema";
import { HEADLESS_SERVICE_LABEL, QdrantNames } from "../core/naming";

export interface QdrantMonitoringProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  /** Secret with `read-only-api-key`, when /metrics needs a key (authentication on, Qdrant < v1.17). */
  readonly apiKeySecretName?: string;
  readonly tlsSecretName?: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning" };
  annotations: { summary: string; description: string };
}

/** `job` label Prometheus gives targets found through the ServiceMonitor: the headless Service's name. */
export function metricsJob(names: QdrantNames): string {
  return names.headlessServiceName;
}

/** Whole hours, at least one: how long after the longest gap between backups a missing one is alarming. */
function overdueSeconds(schedule: string): number {
  const interval = longestIntervalSeconds(schedule);
  return interval + Math.max(3600, Math.ceil((interval * 0.1) / 3600) * 3600);
}

/**
 * The homelab design's four alerts (with its thresholds and durations), adapted to this deployment's
 * names, plus QdrantBackupMissing and QdrantCollectionInitFailed (from kube-state-metrics).
 */
export function alertRules(inputs: QdrantInputs, names: QdrantNames): AlertRule[] {
  const ns = names.namespace;
  const job = metricsJob(names);
  const pods = `namespace="${ns}", pod=~"${names.resourceName}-[0-9]+"`;
  const pvcs = `namespace="${ns}", persistentvolumeclaim=~"${names.dataVolumeName}-${names.resourceName}-[0-9]+"`;
  const rules: AlertRule[] = [
    {
      alert: "QdrantDown",
      expr: `up{job="${job}", namespace="${ns}"} == 0`,
      for: "2m",
      labels: { severity: "critical" },
      annotations: { summary: "Qdrant is down", description: "Qdrant pod {{ $labels.pod }} has been unreachable for more than 2 minutes." },
    },
    {
      alert: "QdrantHighMemory",
      expr: `container_memory_working_set_bytes{${pods}, container="qdrant"} / container_spec_memory_limit_bytes{${pods}, container="qdrant"} > 0.8`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: { summary: "Qdrant memory usage above 80%", description: "{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit." },
    },
    {
      alert: "QdrantHighDisk",
      expr: `kubelet_volume_stats_used_bytes{${pvcs}} / kubelet_volume_stats_capacity_bytes{${pvcs}} > 0.8`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant PVC usage above 80%",
        description: "{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full. Expand it (docs/runbook.md) or reduce data.",
      },
    },
    {
      alert: "QdrantSlowResponses",
      expr: `histogram_quantile(0.99, sum by (le, pod) (rate(rest_responses_duration_seconds_bucket{job="${job}", namespace="${ns}"}[5m]))) > 0.2`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: { summary: "Qdrant p99 latency above 200ms", description: "REST p99 on {{ $labels.pod }} is {{ $value }}s." },
    },
    {
      alert: "QdrantCollectionInitFailed",
      expr: `kube_job_status_failed{namespace="${ns}", job_name="${names.resourceName}-init"} > 0`,
      for: "1m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant collection init Job failed",
        description: `Collections may be missing or drifted: kubectl -n ${ns} logs job/${names.resourceName}-init`,
      },
    },
  ];
  if (inputs.backupEnabled === true && !isUnresolvedToken(inputs.backupSchedule)) {
    const overdue = overdueSeconds(inputs.backupSchedule);
    rules.push({
      alert: "QdrantBackupMissing",
      // Also when the CronJob has existed that long without any success (the success metric is absent then).
      expr:
        `time() - max(kube_cronjob_status_last_successful_time{namespace="${ns}", cronjob="${names.resourceName}-backup"}) > ${overdue}` +
        ` or (absent(kube_cronjob_status_last_successful_time{namespace="${ns}", cronjob="${names.resourceName}-backup"})` +
        ` and on() (time() - max(kube_cronjob_created{namespace="${ns}", cronjob="${names.resourceName}-backup"}) > ${overdue}))`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "No successful Qdrant backup",
        description: `No successful run of ${names.resourceName}-backup for more than ${overdue / 3600}h (schedule "${inputs.backupSchedule}" plus a margin).`,
      },
    });
  }
  return rules;
}

/**
 * The module stack's backup alert: its schedule is a variable, so the longest gap between runs is unknown at
 * synth. It fires when the latest scheduled run has not succeeded 7 hours after it started (the Job's 6-hour
 * deadline plus an hour), or when the CronJob is more than an hour past its first due time without any run;
 * without a backup CronJob (backups off) every part of it is empty, so it never fires.
 */
export function lastRunBackupAlert(names: QdrantNames): AlertRule {
  const ns = names.namespace;
  const cronJob = `namespace="${ns}", cronjob="${names.resourceName}-backup"`;
  const late = 7 * 3600;
  return {
    alert: "QdrantBackupMissing",
    expr:
      `(max(kube_cronjob_status_last_schedule_time{${cronJob}}) > max(kube_cronjob_status_last_successful_time{${cronJob}}) or on() ` +
      `(max(kube_cronjob_status_last_schedule_time{${cronJob}}) and on() absent(kube_cronjob_status_last_successful_time{${cronJob}})))` +
      ` and on() time() - max(kube_cronjob_status_last_schedule_time{${cronJob}}) > ${late}` +
      ` or (absent(kube_cronjob_status_last_schedule_time{${cronJob}}) and on() time() - max(kube_cronjob_next_schedule_time{${cronJob}}) > 3600)`,
    for: "5m",
    labels: { severity: "critical" },
    annotations: {
      summary: "No successful Qdrant backup",
      description: `The latest run of ${names.resourceName}-backup has not succeeded ${late / 3600}h after it was scheduled (or none ran since it was due).`,
    },
  };
}

/**
 * Prometheus Operator resources (CRDs: the operator must be installed before Terraform plans):
 * a ServiceMonitor scraping every pod through the headless Service (metrics are per peer), with the
 * read-only key when /metrics needs one, and a PrometheusRule with the alerts.
 */
export class QdrantMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: QdrantMonitoringProps) {
    super(scope, id);
    const { inputs, names } = props;
    const m = inputs.monitoring;
    const labels = names.withLabels(m.labels);
    optionalPart(conditionOf(m.serviceMonitor), () => {
      const keyed = names.metricsPort === undefined && props.apiKeySecretName !== undefined;
      const endpoint = {
        port: names.metricsPort !== undefined ? "metrics" : "http",
        path: "/metrics",
        interval: m.scrapeInterval,
        scrapeTimeout: "10s",
        scheme: names.scheme,
        ...(names.scheme === "https" && props.tlsSecretName
          ? { tlsConfig: { serverName: names.serviceFqdn, ...(inputs.tls?.caInSecret ? { ca: { secret: { name: props.tlsSecretName, key: "ca.crt" } } } : {}) } }
          : {}),
        ...(keyed ? { authorization: { type: "Bearer", credentials: { name: props.apiKeySecretName, key: "read-only-api-key" } } } : {}),
      };
      const serviceMonitor = new Manifest(this, "service-monitor", {
        manifest: {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: { name: names.resourceName, namespace: props.namespace, labels },
          spec: {
            // The headless Service only (every peer); the client Service would reach one random peer.
            selector: { matchLabels: { ...names.selectorLabels, ...HEADLESS_SERVICE_LABEL } },
            namespaceSelector: { matchNames: [names.namespace] },
            endpoints: [endpoint],
          },
        },
      });
      return serviceMonitor;
    });
    optionalPart(conditionOf(m.prometheusRule), () => {
      // The module stack's schedule is a variable: its backup alert watches the latest run instead (it stays
      // silent while there is no backup CronJob, so it needs no condition on backup_enabled).
      const scheduleUnknown = isUnresolvedToken(inputs.backupSchedule) && inputs.backupEnabled !== false;
      const rules = [...alertRules(inputs, names), ...(scheduleUnknown ? [lastRunBackupAlert(names)] : [])];
      const rule = new Manifest(this, "prometheus-rule", {
        manifest: {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: `${names.resourceName}-alerts`, namespace: props.namespace, labels },
          spec: { groups: [{ name: names.resourceName, rules }] },
        },
      });
      return rule;
    });
  }
}
