/**
 * The PrometheusRule's alerts: the homelab design's four, the rollout and init Job alerts (kube-state-metrics), the
 * replication alerts in cluster mode, and the backup alerts. Plain data; QdrantMonitoring (monitoring.ts) puts them
 * in a PrometheusRule.
 */
import { Fn, Op, Token } from "cdktf";
import { choose, isSet } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import { longestIntervalSeconds } from "../config/cron";
import { supportsReplicaMetrics } from "../config/qdrant-version";
import type { QdrantInputs } from "../config/schema";
import type { QdrantNames } from "../core/naming";
import { defaultReplicationFactor } from "../collections/collection-requests";
import type { JobDeadlines } from "../backup/job-deadlines";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  /** customer and qdrant_deployment tell fifty customers' alerts apart in one Alertmanager (several may share a namespace). */
  labels: { severity: "critical" | "warning"; customer?: string; qdrant_deployment?: string };
  annotations: { summary: string; description: string };
}

/** The rule with the labels that say whose it is. */
function owned(rule: AlertRule, inputs: Pick<QdrantInputs, "customerName">, names: QdrantNames): AlertRule {
  return { ...rule, labels: { ...rule.labels, customer: inputs.customerName, qdrant_deployment: names.resourceName } };
}

/**
 * How long a pod may not answer scrapes before QdrantDown. With several peers a restarting one is expected to be
 * silent while it loads its data (Qdrant opens its ports after loading; the startup probe allows
 * startupTimeoutSeconds before the kubelet restarts it), so a routine rolling update must not page; a single pod
 * that does not answer is the whole service down (the homelab design's 2 minutes).
 */
export function downMinutes(inputs: Pick<QdrantInputs, "replicas" | "startupTimeoutSeconds">): number {
  const { replicas, startupTimeoutSeconds } = inputs;
  if (isUnresolvedToken(replicas) || isUnresolvedToken(startupTimeoutSeconds)) {
    const loading = Op.add(Fn.ceil(Op.div(startupTimeoutSeconds, 60)), 1);
    return Token.asNumber(Fn.conditional(Op.gt(replicas, 1), Fn.max([2, loading]), 2));
  }
  return replicas > 1 ? Math.max(2, Math.ceil(startupTimeoutSeconds / 60) + 1) : 2;
}

/**
 * How long a rollout may go without updating another pod before QdrantRolloutStuck. A rolling update replaces one
 * pod at a time and waits for it to be ready, so a healthy one moves on every pod's restart (its data load, up to
 * startupTimeoutSeconds, and its catch-up, which QdrantPeerNotReady watches from 15 minutes): many large peers take
 * far longer than any fixed time in all.
 */
export function rolloutStallMinutes(inputs: Pick<QdrantInputs, "startupTimeoutSeconds">): number {
  const { startupTimeoutSeconds } = inputs;
  if (isUnresolvedToken(startupTimeoutSeconds)) return Token.asNumber(Fn.max([30, Op.add(Fn.ceil(Op.div(startupTimeoutSeconds, 60)), 16)]));
  return Math.max(30, Math.ceil(startupTimeoutSeconds / 60) + 16);
}

/** `job` label Prometheus gives targets found through the ServiceMonitor: the headless Service's name. */
export function metricsJob(names: QdrantNames): string {
  return names.headlessServiceName;
}

/**
 * How long without a successful backup is alarming: the schedule's longest gap between runs, plus the run's
 * deadline (a run may take that long) and an hour (it may start an hour late: startingDeadlineSeconds).
 */
function overdueSeconds(schedule: string, backupDeadlineSeconds: number): number {
  return longestIntervalSeconds(schedule) + backupDeadlineSeconds + 3600;
}

/**
 * The smallest replication factor of the configured collections (each one's explicit factor, else the default
 * min(2, replicas)); 1 without any. In the module stack, a Terraform expression over the collection requests.
 */
export function smallestReplicationFactor(inputs: Pick<QdrantInputs, "collectionsConfig" | "replicas">): number {
  if (isUnresolvedToken(inputs.collectionsConfig)) {
    // The module's collectionsConfig is already the list of requests (collectionRequestsHcl), each with its factor.
    // cdktf cannot spread a list into min(): the smallest of the zero-padded factors, sorted, is the first.
    const requests = inputs.collectionsConfig as unknown as string[];
    const padded = Fn.formatlist("%05d", [Fn.lookupNested(requests, ["*", "config", "replication_factor"])]);
    return Token.asNumber(Fn.conditional(Op.lt(Fn.lengthOf(requests), 1), 1, Fn.tonumber(Fn.element(Fn.sort(padded), 0))));
  }
  const factors = inputs.collectionsConfig.map((c) => c.replicationFactor ?? defaultReplicationFactor(inputs.replicas));
  return factors.length === 0 ? 1 : Math.min(...factors);
}

/**
 * Replication health in cluster mode, from the metrics every peer exports about the whole cluster (Qdrant
 * src/common/metrics.rs): a shard replica that stays non-Active, a shard with fewer Active replicas than the
 * collections' replication factor (both v1.16+), and a peer missing from consensus. /readyz stays true once a peer was
 * ready, so without these a replication factor of 2 can drop to 1 unseen until the next rollout.
 */
function replicationRules(inputs: QdrantInputs, names: QdrantNames): AlertRule[] {
  const selector = `job="${metricsJob(names)}", namespace="${names.namespace}"`;
  const factor = smallestReplicationFactor(inputs);
  const peerMissing: AlertRule = {
    alert: "QdrantPeerMissing",
    expr: `max by (namespace) (cluster_peers_total{${selector}}) < ${numberText(inputs.replicas)}`,
    for: "5m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Qdrant cluster has fewer peers than replicas",
      description: `The consensus of ${names.resourceName} knows fewer peers than the StatefulSet's ${numberText(inputs.replicas)}: a peer was removed or never joined (GET /cluster).`,
    },
  };
  // The replica metrics arrived in v1.16.0; older peers export only cluster_peers_total.
  if (!supportsReplicaMetrics(inputs.qdrantVersion)) return [peerMissing];
  return [
    {
      alert: "QdrantReplicationBelowFactor",
      // Guarded by the max: with no collection at all, Qdrant reports 0 for both.
      expr:
        `min by (namespace) (collection_active_replicas_min{${selector}}) < ${factor}` +
        ` and on (namespace) max by (namespace) (collection_active_replicas_max{${selector}}) > 0`,
      for: "15m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Qdrant shards below their replication factor",
        description: `A shard of a collection in ${names.resourceName} has fewer Active replicas than the smallest configured replication factor (${factor}): losing one more peer may lose data. GET /collections/<c>/cluster shows which; Qdrant re-replicates a peer's replicas when it recovers, or replicate the shard again.`,
      },
    },
    {
      alert: "QdrantReplicaNotActive",
      expr: `max by (namespace) (collection_dead_replicas{${selector}}) > 0`,
      for: "30m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant shard replicas not Active",
        description: `Shards of ${names.resourceName} have had a replica that is not Active (Dead, Partial, recovering) for 30 minutes: a recovery or transfer is stuck. GET /collections/<c>/cluster shows the replica states.`,
      },
    },
    peerMissing,
  ];
}

/** The pod an alert is about, or, for the series without one, a pod the StatefulSet controller has not created. */
export const POD_OR_MISSING = "{{ if $labels.pod }}Pod {{ $labels.pod }}{{ else }}A pod the controller has not created{{ end }}";

/** Label matchers for this deployment's Qdrant pods (`<name>-<ordinal>`). */
const podSelector = (names: QdrantNames) => `namespace="${names.namespace}", pod=~"${names.resourceName}-[0-9]+"`;

/**
 * The rollout Terraform started, seen from kube-state-metrics: Terraform waits for it only up to a budget
 * (applyWaitMinutes), so a rollout that goes on longer is checked here, as is a peer that stays unready.
 */
function rolloutRules(inputs: QdrantInputs, names: QdrantNames): AlertRule[] {
  const sts = `namespace="${names.namespace}", statefulset="${names.resourceName}"`;
  const stall = numberText(rolloutStallMinutes(inputs));
  const short = (metric: string) => `max by (namespace) (kube_statefulset_replicas{${sts}}) - max by (namespace) (${metric}{${sts}}) > 0`;
  const pods = podSelector(names);
  return [
    {
      alert: "QdrantPeerNotReady",
      // Per pod (a restarted pod keeps its name, not its uid): during a rolling update each pod is unready only
      // while it restarts, whereas the count of ready pods stays short for the whole rollout. Or a pod the
      // controller has not created for as long.
      expr: `max by (namespace, pod) (kube_pod_status_ready{${pods}, condition="false"}) == 1 or ${short("kube_statefulset_status_replicas")}`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant pod not ready",
        description: `${POD_OR_MISSING} of ${names.resourceName} has not been ready for 15 minutes: starting, or (cluster mode) catching up with its shard replicas. kubectl -n ${names.namespace} get pods; GET /readyz answers 503 until it is in sync.`,
      },
    },
    {
      alert: "QdrantRolloutStuck",
      // Unfinished and not moving: the count of updated pods changes with every pod the rollout replaces (it drops
      // when a rollout starts), so a long but healthy rollout keeps it changing.
      expr: `${short("kube_statefulset_status_replicas_updated")} and on (namespace) max by (namespace) (changes(kube_statefulset_status_replicas_updated{${sts}}[${stall}m])) == 0`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant rollout not progressing",
        description: `The rollout of ${names.resourceName} has not updated another pod for more than ${stall} minutes: kubectl -n ${names.namespace} rollout status statefulset/${names.resourceName}`,
      },
    },
  ];
}

/** A number as text inside a template (a Terraform number in the module stack). */
function numberText(value: number): string {
  return isUnresolvedToken(value) ? Token.asString(value) : String(value);
}

/**
 * The homelab design's four alerts (with its thresholds and durations), adapted to this deployment's
 * names, plus QdrantCollectionInitFailed, the rollout alerts (kube-state-metrics), the replication alerts in
 * cluster mode, and QdrantBackupMissing.
 */
export function alertRules(inputs: QdrantInputs, names: QdrantNames, deadlines: JobDeadlines): AlertRule[] {
  const ns = names.namespace;
  const job = metricsJob(names);
  const pods = podSelector(names);
  const pvcs = `namespace="${ns}", persistentvolumeclaim=~"${names.dataVolumeName}-${names.resourceName}-[0-9]+"`;
  const down = numberText(downMinutes(inputs));
  const rules: AlertRule[] = [
    {
      alert: "QdrantDown",
      expr: `up{job="${job}", namespace="${ns}"} == 0`,
      for: `${down}m`,
      labels: { severity: "critical" },
      annotations: { summary: "Qdrant is down", description: `Qdrant pod {{ $labels.pod }} has been unreachable for more than ${down} minutes.` },
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
      // The Job's Failed condition (its retries used up, or its deadline passed), not its count of failed pods:
      // kube-state-metrics keeps counting a pod that failed before a retry succeeded, and the Job is kept.
      expr: `kube_job_failed{namespace="${ns}", job_name="${names.resourceName}-init", condition="true"} > 0`,
      for: "1m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Qdrant collection init Job failed",
        description: `Collections may be missing or drifted: kubectl -n ${ns} logs job/${names.resourceName}-init`,
      },
    },
    ...rolloutRules(inputs, names),
    ...(names.clusterMode ? replicationRules(inputs, names) : []),
  ];
  if (inputs.backupEnabled === true && !isUnresolvedToken(inputs.backupSchedule)) {
    const overdue = overdueSeconds(inputs.backupSchedule, deadlines.seconds("backup"));
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
        description: `No successful run of ${names.resourceName}-backup for more than ${overdue / 3600}h (the longest gap of schedule "${inputs.backupSchedule}", plus the run's deadline and an hour).`,
      },
    });
  }
  return rules.map((rule) => owned(rule, inputs, names));
}

/**
 * The module stack's backup alert: its schedule is a variable, so the longest gap between runs is unknown at
 * synth. It fires when the latest scheduled run has not succeeded an hour past the Job's deadline (which follows
 * the data: job-deadlines.ts), when a run is more than an hour overdue (kube-state-metrics' next schedule time stays
 * in the past when runs are missed, after a success as before the first), or when the CronJob is suspended and has
 * not succeeded for that long (kube-state-metrics then drops the next schedule time).
 * A declared restore suspends the CronJob on purpose (backup-cron-job.ts): then it fires only once the suspension
 * has lasted longer than the restore may take plus a day (the input was left set), and runs the suspension made the
 * CronJob miss (they are not made up: startingDeadlineSeconds) do not count as overdue for a week.
 * Without a backup CronJob (backups off) every part of it is empty, so it never fires.
 */
export function lastRunBackupAlert(inputs: Pick<QdrantInputs, "customerName" | "backupRestoreTimestamp">, names: QdrantNames, deadlines: JobDeadlines): AlertRule {
  const ns = names.namespace;
  const cronJob = `namespace="${ns}", cronjob="${names.resourceName}-backup"`;
  const late = numberText(deadlines.seconds("backup", 1));
  const lateHours = deadlines.hoursText("backup", 1);
  const restoreWindow = numberText(deadlines.seconds("restore", 24));
  const suspend = `kube_cronjob_spec_suspend{${cronJob}}`;
  // 1 while a restore is declared, else 0: a number in the expression (a Terraform conditional in the module), which
  // `vector(...) == n` turns into a condition PromQL can and with.
  const declared = numberText(Token.asNumber(choose(isSet(inputs.backupRestoreTimestamp), 1, 0)));
  const suspendedTooLong =
    `(max(${suspend}) == 1 and on() (time() - max(kube_cronjob_status_last_successful_time{${cronJob}}) > ${late}` +
    ` or on() absent(kube_cronjob_status_last_successful_time{${cronJob}})) and on() vector(${declared}) == 0)` +
    ` or (max(min_over_time(${suspend}[${restoreWindow}s])) == 1 and on() vector(${declared}) == 1)`;
  return owned(
    {
      alert: "QdrantBackupMissing",
      expr:
        `(max(kube_cronjob_status_last_schedule_time{${cronJob}}) > max(kube_cronjob_status_last_successful_time{${cronJob}}) or on() ` +
        `(max(kube_cronjob_status_last_schedule_time{${cronJob}}) and on() absent(kube_cronjob_status_last_successful_time{${cronJob}})))` +
        ` and on() time() - max(kube_cronjob_status_last_schedule_time{${cronJob}}) > ${late}` +
        ` or (time() - max(kube_cronjob_next_schedule_time{${cronJob}}) > 3600 unless on() max(max_over_time(${suspend}[8d])) == 1)` +
        // kube-state-metrics drops the next schedule time of a suspended CronJob: that case on its own.
        ` or ${suspendedTooLong}`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "No successful Qdrant backup",
        description: `The latest run of ${names.resourceName}-backup has not succeeded ${lateHours}h after it was scheduled, a run is more than an hour overdue (runs missed), or the CronJob is suspended: without a success for ${lateHours}h, or (a restore declared) for longer than the restore may take plus a day.`,
      },
    },
    inputs,
    names,
  );
}
