import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { longestIntervalSeconds } from "../../lib/config/cron";
import { Testing } from "cdktf";
import { HomelabConfig, loadStackConfigs } from "../../stacks/config-files";
import { HomelabStack } from "../../stacks/homelab-stack";
import { Json, resource, synthDeployment } from "../helpers/synth";
import { POD_OR_MISSING } from "../../lib/observability/alert-rules";

const rulesOf = (json: Json) => resource(json, "kubernetes_manifest", "qdrant_alerts").manifest.spec.groups[0].rules as Json[];
const groupsOf = (json: Json) => resource(json, "kubernetes_manifest", "qdrant_alerts").manifest.spec.groups as Json[];

/** Fails, never skips, without promtool (Debian package prometheus; tools/test-prerequisites.sh installs it). */
function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const run = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 60000 });
  if (run.error) throw new Error(`this test runs promtool (Debian package prometheus), which is not on PATH: ${run.error.message}`);
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/**
 * `promtool test rules` of `<name>.rules.json` in `dir` with one test group (series sampled every `interval`, rules
 * evaluated as often): passes only if every expected alert, and no other, fires at each evaluation time.
 */
function expectPromtoolTestPasses(dir: string, name: string, test: { interval: string; input_series: Json[]; alert_rule_test: Json[] }): void {
  writeFileSync(join(dir, `${name}.test.json`), JSON.stringify({ rule_files: [`${name}.rules.json`], evaluation_interval: test.interval, tests: [test] }));
  const result = promtool(["test", "rules", `${name}.test.json`], dir);
  expect(result.out).toContain("SUCCESS");
  expect(result.status).toBe(0);
}

describe("QdrantMonitoring", () => {
  const json = synthDeployment({ replicas: 3, eksClusterName: "eks", backupS3Bucket: "bkt", backupEnabled: true, monitoring: { serviceMonitor: true, prometheusRule: true } });

  it("has the spike's four alerts with its thresholds and durations, adapted to this deployment", () => {
    const rules = rulesOf(json);
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    // Three peers: a restarting one may load for startupTimeoutSeconds (300 s) before it answers; a single pod: 2 minutes.
    expect(byName.QdrantDown).toMatchObject({ expr: 'up{job="acme-qdrant-headless", namespace="qdrant"} == 0', for: "6m", labels: { severity: "critical" } });
    expect(byName.QdrantHighMemory).toMatchObject({
      expr: 'container_memory_working_set_bytes{namespace="qdrant", pod=~"acme-qdrant-[0-9]+", container="qdrant"} / container_spec_memory_limit_bytes{namespace="qdrant", pod=~"acme-qdrant-[0-9]+", container="qdrant"} > 0.8',
      for: "5m",
      labels: { severity: "warning" },
    });
    expect(byName.QdrantHighDisk).toMatchObject({
      expr: 'kubelet_volume_stats_used_bytes{namespace="qdrant", persistentvolumeclaim=~"qdrant-data-acme-qdrant-[0-9]+"} / kubelet_volume_stats_capacity_bytes{namespace="qdrant", persistentvolumeclaim=~"qdrant-data-acme-qdrant-[0-9]+"} > 0.8',
      for: "10m",
      labels: { severity: "warning" },
    });
    expect(byName.QdrantSlowResponses).toMatchObject({
      expr: 'histogram_quantile(0.99, sum by (le, pod) (rate(rest_responses_duration_seconds_bucket{job="acme-qdrant-headless", namespace="qdrant"}[5m]))) > 0.2',
      for: "5m",
      labels: { severity: "warning" },
    });
  });

  it("waits for a restarting peer to load its data before QdrantDown, not for a single pod", () => {
    const down = (props: Json) => rulesOf(synthDeployment({ ...props, monitoring: { prometheusRule: true } })).find((r) => r.alert === "QdrantDown") as Json;
    expect(down({ replicas: 3, startupTimeoutSeconds: 900 })).toMatchObject({ for: "16m", annotations: { description: "Qdrant pod {{ $labels.pod }} has been unreachable for more than 16 minutes." } });
    expect(down({ replicas: 3, startupTimeoutSeconds: 30 }).for).toBe("2m");
    expect(down({ startupTimeoutSeconds: 900 })).toMatchObject({ for: "2m", annotations: { description: "Qdrant pod {{ $labels.pod }} has been unreachable for more than 2 minutes." } });
  });

  it("labels every alert with the customer and the deployment, so customers sharing a namespace or an Alertmanager stay apart", () => {
    const rules = rulesOf(json);
    expect(rules.length).toBeGreaterThan(8);
    for (const rule of rules) expect(rule.labels).toEqual({ severity: rule.labels.severity, customer: "acme", qdrant_deployment: "acme-qdrant" });
  });

  it("adds QdrantCollectionInitFailed and QdrantBackupMissing (the schedule's gap, plus the run's deadline and an hour)", () => {
    const byName = Object.fromEntries(rulesOf(json).map((r) => [r.alert, r]));
    expect(byName.QdrantCollectionInitFailed).toMatchObject({ expr: 'kube_job_failed{namespace="qdrant", job_name="acme-qdrant-init", condition="true"} > 0', for: "1m" });
    const missingAfter = (seconds: number) =>
      `time() - max(kube_cronjob_status_last_successful_time{namespace="qdrant", cronjob="acme-qdrant-backup"}) > ${seconds}` +
      ` or (absent(kube_cronjob_status_last_successful_time{namespace="qdrant", cronjob="acme-qdrant-backup"})` +
      ` and on() (time() - max(kube_cronjob_created{namespace="qdrant", cronjob="acme-qdrant-backup"}) > ${seconds}))`;
    // Daily at 02:00: 24 h between runs + the 6-hour deadline (small volumes) + an hour's late start.
    expect(byName.QdrantBackupMissing).toMatchObject({ expr: missingAfter(31 * 3600), for: "5m", labels: { severity: "critical" } });
    // 3 peers of 500Gi: the run's deadline is 18 h, so a run that started late and took that long is not alarming yet.
    const large = synthDeployment({ replicas: 3, storageSize: "500Gi", eksClusterName: "eks", backupS3Bucket: "bkt", backupEnabled: true, monitoring: { prometheusRule: true } });
    expect(rulesOf(large).find((r) => r.alert === "QdrantBackupMissing")?.expr).toBe(missingAfter(43 * 3600));
    expect(rulesOf(synthDeployment({ monitoring: { prometheusRule: true } })).map((r) => r.alert)).not.toContain("QdrantBackupMissing");
  });

  it("alerts on replication health in cluster mode, from Qdrant's own replica metrics", () => {
    const byName = Object.fromEntries(rulesOf(json).map((r) => [r.alert, r]));
    const peers = 'job="acme-qdrant-headless", namespace="qdrant"';
    // Names as Qdrant v1.19 exports them (src/common/metrics.rs): every peer reports the whole cluster.
    expect(byName.QdrantReplicationBelowFactor).toMatchObject({
      expr: `min by (namespace) (collection_active_replicas_min{${peers}}) < 2 and on (namespace) max by (namespace) (collection_active_replicas_max{${peers}}) > 0`,
      for: "15m",
      labels: { severity: "critical" },
    });
    expect(byName.QdrantReplicaNotActive).toMatchObject({ expr: `max by (namespace) (collection_dead_replicas{${peers}}) > 0`, for: "30m" });
    expect(byName.QdrantPeerMissing).toMatchObject({ expr: `max by (namespace) (cluster_peers_total{${peers}}) < 3`, for: "5m" });
    // The threshold is the smallest configured replication factor (1 without collections).
    const factor = (props: object) => rulesOf(synthDeployment({ replicas: 3, monitoring: { prometheusRule: true }, ...props })).find((r) => r.alert === "QdrantReplicationBelowFactor")?.expr;
    expect(factor({ collectionsConfig: [{ name: "a", vectorSize: 4, replicationFactor: 3 }, { name: "b", vectorSize: 4, replicationFactor: 3 }] })).toContain(") < 3 and");
    expect(factor({ collectionsConfig: [] })).toContain(") < 1 and");
    // Before v1.16 Qdrant exports no replica metrics, only the peer count.
    const v115 = rulesOf(synthDeployment({ replicas: 3, qdrantVersion: "v1.15.0", monitoring: { prometheusRule: true } })).map((r) => r.alert);
    expect(v115).toContain("QdrantPeerMissing");
    expect(v115).not.toContain("QdrantReplicaNotActive");
    // A single node has no replicas to lose.
    const single = rulesOf(synthDeployment({ monitoring: { prometheusRule: true } })).map((r) => r.alert);
    expect(single).not.toContain("QdrantReplicationBelowFactor");
    expect(single).toEqual(expect.arrayContaining(["QdrantPeerNotReady", "QdrantRolloutStuck"]));
  });

  it("scrapes every peer through the headless Service on the metrics port, without a key (v1.17+)", () => {
    const sm = resource(json, "kubernetes_manifest", "qdrant_service_monitor").manifest;
    expect(sm).toMatchObject({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "acme-qdrant" },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant", "app.kubernetes.io/component": "peers" } },
        namespaceSelector: { matchNames: ["qdrant"] },
        endpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s", scheme: "http" }],
      },
    });
    expect(sm.spec.endpoints[0].authorization).toBeUndefined();
  });

  it("sends the read-only key on older versions, where /metrics needs it", () => {
    const old = resource(synthDeployment({ qdrantVersion: "v1.13.2", monitoring: { serviceMonitor: true } }), "kubernetes_manifest", "qdrant_service_monitor").manifest;
    expect(old.spec.endpoints[0]).toMatchObject({
      port: "http",
      authorization: { type: "Bearer", credentials: { name: "${kubernetes_secret_v1.qdrant_api_key.metadata[0].name}", key: "read-only-api-key" } },
    });
  });

  it("carries extra labels for the Prometheus selector, and is absent by default", () => {
    const labelled = synthDeployment({ monitoring: { serviceMonitor: true, labels: { release: "kube-prometheus-stack" } } });
    expect(resource(labelled, "kubernetes_manifest", "qdrant_service_monitor").manifest.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(synthDeployment().resource.kubernetes_manifest).toBeUndefined();
  });

  it("warns when the alerts on Qdrant's metrics would select a job no scrape gives (a PrometheusRule without the ServiceMonitor)", () => {
    const { Testing, TerraformStack } = jest.requireActual("cdktf");
    const { QdrantDeployment } = jest.requireActual("../../lib/qdrant-deployment");
    const warningsOf = (monitoring: Json) =>
      new QdrantDeployment(new TerraformStack(Testing.app(), "t"), "qdrant", { customerName: "a", apiKeySource: "generate", backupEnabled: false, monitoring }).node.metadata.map((m: Json) => m.data);
    expect(warningsOf({ prometheusRule: true })).toContain(
      'monitoring: prometheusRule without serviceMonitor: the alerts on Qdrant\'s own metrics (QdrantDown, QdrantSlowResponses and the replication alerts) select job="a-qdrant-headless", the job the ServiceMonitor\'s scrape gets, so with another scrape they never fire; turn monitoring.serviceMonitor on',
    );
    expect(warningsOf({ prometheusRule: true, serviceMonitor: true }).filter((w: string) => w.startsWith("monitoring:"))).toEqual([]);
  });

  it("warns when no scrape path would work", () => {
    const { Testing, TerraformStack } = jest.requireActual("cdktf");
    const { QdrantDeployment } = jest.requireActual("../../lib/qdrant-deployment");
    const stack = new TerraformStack(Testing.app(), "t");
    const q = new QdrantDeployment(stack, "qdrant", { customerName: "a", apiKeySource: "generate", backupEnabled: false, qdrantVersion: "v1.13.2" });
    expect(q.node.metadata.map((m: Json) => m.data)).toContain(
      "metrics: no prometheus.io scrape annotations: Qdrant v1.13.2 needs an API key for /metrics and annotations cannot send one; use monitoring.serviceMonitor (it sends the read-only key) or Qdrant >= v1.17 (a metrics port without a key)",
    );
  });
});

describe("the PrometheusRule through promtool", () => {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = synthDeployment({ replicas: 3, eksClusterName: "eks", backupS3Bucket: "bkt", backupEnabled: true, monitoring: { prometheusRule: true } });
  // A PrometheusRule's spec is a Prometheus rule file; JSON is YAML.
  const files: Record<string, Json[]> = {
    "cluster.rules.json": groupsOf(cluster),
    "single.rules.json": groupsOf(synthDeployment({ qdrantVersion: "v1.13.2", monitoring: { prometheusRule: true } })),
  };
  const homelab = loadStackConfigs(join(__dirname, "../../config")).find((c) => c.kind === "homelab") as HomelabConfig;
  files["homelab.rules.json"] = groupsOf(JSON.parse(Testing.synth(new HomelabStack(Testing.app(), homelab))) as Json);
  for (const [file, groups] of Object.entries(files)) writeFileSync(join(dir, file), JSON.stringify({ groups }, null, 2));

  it("passes promtool check rules (syntax, PromQL, templates) for cluster, single-node and homelab rules", () => {
    const result = promtool(["check", "rules", ...Object.keys(files)], dir);
    expect(result.out).not.toMatch(/FAILED|error/i);
    expect(result.status).toBe(0);
    expect(result.out).toContain(`SUCCESS: ${rulesOf(cluster).length} rules found`);
  });

  it("fires the replication and rollout alerts when a replica, a peer or the rollout is lost, and not before (promtool test rules)", () => {
    const rules = Object.fromEntries(rulesOf(cluster).map((r) => [r.alert, r]));
    const peer = (n: number) => `job="acme-qdrant-headless", namespace="qdrant", pod="acme-qdrant-${n}"`;
    const sts = 'namespace="qdrant", statefulset="acme-qdrant"';
    // One sample a minute for an hour; at 20m a peer's replica of a factor-2 collection dies and is not recovered,
    // a peer leaves consensus, one pod turns unready and the rollout stops at one pod.
    const everyPeer = (metric: string, before: number, after: number) => [0, 1, 2].map((n) => ({ series: `${metric}{${peer(n)}}`, values: `${before}x19 ${after}x40` }));
    const input_series = [
      ...everyPeer("collection_active_replicas_min", 2, 1),
      ...everyPeer("collection_active_replicas_max", 2, 2),
      ...everyPeer("collection_dead_replicas", 0, 1),
      ...everyPeer("cluster_peers_total", 3, 2),
      { series: `kube_statefulset_replicas{${sts}}`, values: "3x59" },
      { series: `kube_statefulset_status_replicas{${sts}}`, values: "3x59" },
      ...[0, 1, 2].map((n) => ({ series: `kube_pod_status_ready{namespace="qdrant", pod="acme-qdrant-${n}", uid="u${n}", condition="false"}`, values: n === 2 ? "0x19 1x40" : "0x59" })),
      { series: `kube_statefulset_status_replicas_updated{${sts}}`, values: "3x19 1x40" },
    ];
    const names = ["QdrantReplicationBelowFactor", "QdrantReplicaNotActive", "QdrantPeerMissing", "QdrantPeerNotReady", "QdrantRolloutStuck"];
    const alertLabels = (name: string) => ({ ...rules[name].labels, namespace: "qdrant", ...(name === "QdrantPeerNotReady" ? { pod: "acme-qdrant-2" } : {}) });
    const firing = (name: string) => [
      { exp_labels: alertLabels(name), exp_annotations: { ...rules[name].annotations, description: rules[name].annotations.description.replace(POD_OR_MISSING, "Pod acme-qdrant-2") } },
    ];
    const alert_rule_test = names.flatMap((name) => [
      { eval_time: "19m", alertname: name, exp_alerts: [] },
      { eval_time: "59m", alertname: name, exp_alerts: firing(name) },
    ]);
    expectPromtoolTestPasses(dir, "cluster", { interval: "1m", input_series, alert_rule_test });
  });

  it("stays quiet through a rolling update of large peers (each unready 8 minutes, 24 in all), and names a pod the controller did not create", () => {
    writeFileSync(join(dir, "rollout.rules.json"), JSON.stringify({ groups: groupsOf(cluster) }, null, 2));
    const rule = rulesOf(cluster).find((r) => r.alert === "QdrantPeerNotReady") as Json;
    const sts = 'namespace="qdrant", statefulset="acme-qdrant"';
    // Pods 2, 1 and 0 restart in turn from 10m, each unready for 8 minutes (a new uid each time); from 40m the
    // controller cannot create pod 2 (e.g. a quota), so two pods exist.
    const unready = (n: number) => {
      const start = 10 + (2 - n) * 8;
      return `0x${start - 1} 1x8 0x${59 - start - 8}`;
    };
    const input_series = [
      ...[0, 1, 2].map((n) => ({ series: `kube_pod_status_ready{namespace="qdrant", pod="acme-qdrant-${n}", condition="false"}`, values: unready(n) })),
      { series: `kube_statefulset_replicas{${sts}}`, values: "3x79" },
      { series: `kube_statefulset_status_replicas{${sts}}`, values: "3x39 2x40" },
      // The count of ready pods is short for the whole rollout (what this alert watched before).
      { series: `kube_statefulset_status_replicas_ready{${sts}}`, values: "3x9 2x24 3x4 2x39" },
    ];
    const missing = { ...rule.annotations, description: rule.annotations.description.replace(POD_OR_MISSING, "A pod the controller has not created") };
    const alert_rule_test = [
      ...["20m", "30m", "40m", "54m"].map((at) => ({ eval_time: at, alertname: "QdrantPeerNotReady", exp_alerts: [] as unknown[] })),
      { eval_time: "56m", alertname: "QdrantPeerNotReady", exp_alerts: [{ exp_labels: { ...rule.labels, namespace: "qdrant" }, exp_annotations: missing }] },
    ];
    expectPromtoolTestPasses(dir, "rollout", { interval: "1m", input_series, alert_rule_test });
  });

  it("does not call a long rolling update stuck while it moves on pod by pod (24 minutes each), and fires once it stops", () => {
    writeFileSync(join(dir, "stuck.rules.json"), JSON.stringify({ groups: groupsOf(cluster) }, null, 2));
    const rule = rulesOf(cluster).find((r) => r.alert === "QdrantRolloutStuck") as Json;
    expect(rule.annotations.description).toContain("for more than 30 minutes");
    const sts = 'namespace="qdrant", statefulset="acme-qdrant"';
    // A rollout from 10m: pods 2, 1 and 0 replaced in turn, each ready 24 minutes after it was created (done at
    // 59m). Another from 90m whose first new pod never gets ready, so the rollout waits on it.
    const input_series = [
      { series: `kube_statefulset_replicas{${sts}}`, values: "3x140" },
      { series: `kube_statefulset_status_replicas_updated{${sts}}`, values: "3x9 0 1x23 2x24 3x29 0 1x49" },
    ];
    const alert_rule_test = [
      ...["40m", "55m", "75m", "120m"].map((at) => ({ eval_time: at, alertname: "QdrantRolloutStuck", exp_alerts: [] as unknown[] })),
      { eval_time: "130m", alertname: "QdrantRolloutStuck", exp_alerts: [{ exp_labels: { ...rule.labels, namespace: "qdrant" }, exp_annotations: rule.annotations }] },
    ];
    expectPromtoolTestPasses(dir, "stuck", { interval: "1m", input_series, alert_rule_test });
  });

  it("gives large peers a longer stall before QdrantRolloutStuck: startupTimeoutSeconds plus 16 minutes, at least 30", () => {
    const stuck = (json: Json) => rulesOf(json).find((r) => r.alert === "QdrantRolloutStuck") as Json;
    expect(stuck(cluster).expr).toContain("[30m]");
    const large = stuck(synthDeployment({ replicas: 3, startupTimeoutSeconds: 1800, monitoring: { prometheusRule: true } }));
    expect(large.expr).toContain("changes(kube_statefulset_status_replicas_updated{namespace=\"qdrant\", statefulset=\"acme-qdrant\"}[46m])) == 0");
    expect(large.annotations.description).toContain("for more than 46 minutes");
  });
});

describe("the init Job's alert through promtool", () => {
  it("fires when the Job failed for good, not for a pod that failed before a retry succeeded (promtool test rules)", () => {
    const dir = mkdtempSync(join(tmpdir(), "promtool-init-"));
    try {
      const json = synthDeployment({ monitoring: { prometheusRule: true }, collectionsConfig: [{ name: "documents", vectorSize: 4 }] });
      writeFileSync(join(dir, "init.rules.json"), JSON.stringify({ groups: groupsOf(json) }));
      const rule = rulesOf(json).find((r) => r.alert === "QdrantCollectionInitFailed") as Json;
      const job = 'namespace="qdrant", job_name="acme-qdrant-init"';
      // A pod fails at 5m and its retry succeeds (the Job is Complete, its failed-pod count stays 1); a later Job
      // (the same name after a replacement) fails for good at 30m.
      const input_series = [
        { series: `kube_job_status_failed{${job}}`, values: "0x4 1x55" },
        { series: `kube_job_failed{${job}, condition="true"}`, values: "0x29 1x30" },
        { series: `kube_job_failed{${job}, condition="false"}`, values: "1x29 0x30" },
      ];
      const firing = [{ exp_labels: { ...rule.labels, namespace: "qdrant", job_name: "acme-qdrant-init", condition: "true" }, exp_annotations: rule.annotations }];
      const alert_rule_test = [
        { eval_time: "20m", alertname: "QdrantCollectionInitFailed", exp_alerts: [] },
        { eval_time: "40m", alertname: "QdrantCollectionInitFailed", exp_alerts: firing },
      ];
      expectPromtoolTestPasses(dir, "init", { interval: "1m", input_series, alert_rule_test });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the module's backup alert through promtool", () => {
  /** The module's QdrantBackupMissing (it watches the latest run) for literal inputs. */
  const moduleBackupAlert = (props: Json): Json => {
    const { Testing, TerraformStack } = jest.requireActual("cdktf");
    const { JobDeadlines } = jest.requireActual("../../lib/backup/job-deadlines");
    const { resolveInputs } = jest.requireActual("../../lib/config/validate");
    const { qdrantNames } = jest.requireActual("../../lib/core/naming");
    const { lastRunBackupAlert } = jest.requireActual("../../lib/observability/alert-rules");
    const inputs = resolveInputs({ customerName: "acme", apiKeySource: "generate", ...props });
    return lastRunBackupAlert(inputs, qdrantNames(inputs), new JobDeadlines(new TerraformStack(Testing.app(), "d"), inputs));
  };

  it("fires when a run fails and when a suspended CronJob has not succeeded for as long, not while runs succeed", () => {
    const dir = mkdtempSync(join(tmpdir(), "promtool-backup-"));
    try {
      const rule = moduleBackupAlert({ backupEnabled: false });
      writeFileSync(join(dir, "backup.rules.json"), JSON.stringify({ groups: [{ name: "backup", rules: [rule] }] }));
      const cronJob = 'namespace="qdrant", cronjob="acme-qdrant-backup"';
      const hour = 3600;
      // A sample every 5 minutes for 48 h. Runs every 12 h, each succeeding 10 minutes after it started, but the one
      // at 12h fails. At 24h30m, after the run at 24h succeeded, the CronJob is suspended: kube-state-metrics then
      // drops its next schedule time, and its last schedule and success stay where they were.
      const steps = Array.from({ length: 48 * 12 + 1 }, (_, i) => i * 300);
      const suspended = (t: number) => t >= 24 * hour + 1800;
      const lastRun = (t: number) => Math.min(Math.floor(t / (12 * hour)), 2) * 12 * hour;
      const lastSuccess = (t: number) => (t >= 24 * hour + 600 ? 24 * hour + 600 : 600);
      const series = (metric: string, at: (t: number) => number | undefined) => ({
        series: `${metric}{${cronJob}}`,
        values: steps.map((t) => at(t) ?? "_").join(" "),
      });
      const input_series = [
        series("kube_cronjob_status_last_schedule_time", lastRun),
        series("kube_cronjob_status_last_successful_time", lastSuccess),
        series("kube_cronjob_next_schedule_time", (t) => (suspended(t) ? undefined : lastRun(t) + 12 * hour)),
        series("kube_cronjob_spec_suspend", (t) => (suspended(t) ? 1 : 0)),
      ];
      const firing = [{ exp_labels: rule.labels, exp_annotations: rule.annotations }];
      // The failed run: from its deadline and an hour (7 h) after it, until the next succeeds; the suspended
      // CronJob: from 7 h after its last success.
      const alert_rule_test = ["6h", "18h", "24h30m", "30h", "31h"].map((at) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: [] as unknown[] }));
      alert_rule_test.push(...["20h", "23h55m", "32h", "47h"].map((at) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: firing })));
      expectPromtoolTestPasses(dir, "backup", { interval: "5m", input_series, alert_rule_test });

      // Runs missed without a suspension (e.g. past startingDeadlineSeconds): the next schedule time stays at 36h.
      writeFileSync(join(dir, "missed.rules.json"), JSON.stringify({ groups: [{ name: "backup", rules: [rule] }] }));
      const missed = [
        series("kube_cronjob_status_last_schedule_time", lastRun),
        series("kube_cronjob_status_last_successful_time", lastSuccess),
        series("kube_cronjob_next_schedule_time", (t) => lastRun(t) + 12 * hour),
        series("kube_cronjob_spec_suspend", () => 0),
      ];
      const overdue = [
        ...["30h", "36h30m"].map((at) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: [] as unknown[] })),
        ...["37h30m", "47h"].map((at) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: firing })),
      ];
      expectPromtoolTestPasses(dir, "missed", { interval: "5m", input_series: missed, alert_rule_test: overdue });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stays quiet while a declared restore suspends the CronJob and after it (the run it missed is not made up), and fires when the restore is left declared", () => {
    const dir = mkdtempSync(join(tmpdir(), "promtool-restore-"));
    try {
      const rule = moduleBackupAlert({ backupEnabled: true, backupTarget: "pvc", backupRestoreTimestamp: "latest" });
      // Small volumes: the restore may take 12 h; it fires after 36 h suspended.
      expect(rule.expr).toContain("[129600s]");
      const cronJob = 'namespace="qdrant", cronjob="acme-qdrant-backup"';
      const hour = 3600;
      const steps = Array.from({ length: 72 * 12 + 1 }, (_, i) => i * 300);
      const series = (metric: string, at: (t: number) => number | undefined) => ({ series: `${metric}{${cronJob}}`, values: steps.map((t) => at(t) ?? "_").join(" ") });
      const firing = [{ exp_labels: rule.labels, exp_annotations: rule.annotations }];
      const quiet = (at: string) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: [] as unknown[] });
      // Runs every 12 h, each succeeding 10 minutes in. A restore is declared at 13h (the CronJob suspended).
      // Removed at 30h: the run of 24h was missed and is not made up, so until the run of 36h kube-state-metrics'
      // next schedule time is 24h, in the past.
      const resumed = (t: number) => t < 13 * hour || t >= 30 * hour;
      const lastRun = (t: number) => (t >= 36 * hour ? Math.floor(t / (12 * hour)) * 12 * hour : t >= 12 * hour ? 12 * hour : 0);
      const restoreDone = [
        series("kube_cronjob_status_last_schedule_time", lastRun),
        series("kube_cronjob_status_last_successful_time", (t) => (t % (12 * hour) >= 600 || t < 600 ? lastRun(t) + 600 : lastRun(t - 600) + 600)),
        series("kube_cronjob_next_schedule_time", (t) => (resumed(t) ? lastRun(t) + 12 * hour : undefined)),
        series("kube_cronjob_spec_suspend", (t) => (resumed(t) ? 0 : 1)),
      ];
      writeFileSync(join(dir, "restore.rules.json"), JSON.stringify({ groups: [{ name: "backup", rules: [rule] }] }));
      expectPromtoolTestPasses(dir, "restore", { interval: "5m", input_series: restoreDone, alert_rule_test: ["20h", "29h", "31h", "35h", "40h", "60h"].map(quiet) });

      // The restore left declared from 13h: suspended for longer than the restore may take plus a day.
      const forgotten = [
        series("kube_cronjob_status_last_schedule_time", () => 12 * hour),
        series("kube_cronjob_status_last_successful_time", (t) => (t >= 12 * hour + 600 ? 12 * hour + 600 : 600)),
        series("kube_cronjob_next_schedule_time", (t) => (t < 13 * hour ? 24 * hour : undefined)),
        series("kube_cronjob_spec_suspend", (t) => (t < 13 * hour ? 0 : 1)),
      ];
      writeFileSync(join(dir, "forgotten.rules.json"), JSON.stringify({ groups: [{ name: "backup", rules: [rule] }] }));
      expectPromtoolTestPasses(dir, "forgotten", {
        interval: "5m",
        input_series: forgotten,
        alert_rule_test: [...["20h", "45h", "48h55m"].map(quiet), ...["50h", "70h"].map((at) => ({ eval_time: at, alertname: "QdrantBackupMissing", exp_alerts: firing }))],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("longestIntervalSeconds", () => {
  it.each([
    ["0 2 * * *", 86400],
    ["0 3 * * *", 86400],
    ["*/15 * * * *", 900],
    ["0 */6 * * *", 21600],
    ["0 2 * * 1-5", 3 * 86400],
    ["@weekly", 7 * 86400],
    ["0 0 1 * *", 31 * 86400],
    ["* * * * *", 60],
    // The longest gap inside a day, or from a day's last run to the next day's first.
    ["0 1,23 * * *", 22 * 3600],
    ["15,45 9-17 * * *", 15.5 * 3600],
    // Day of month or day of week (both restricted): Fridays and the 13th.
    ["0 0 13 * 5", 7 * 86400],
    // Every day of February: from the last (28th or 29th) to next year's 1st.
    ["0 12 * 2 *", 338 * 86400],
  ])("%s → %i s", (schedule, seconds) => {
    expect(longestIntervalSeconds(schedule)).toBe(seconds);
  });
});

describe("cron edge cases", () => {
  it("measures leap-day schedules and rejects dates that never come", () => {
    const { cronProblem } = jest.requireActual("../../lib/config/cron");
    expect(longestIntervalSeconds("0 0 29 2 *")).toBe((366 + 365 * 3) * 86400);
    expect(cronProblem("0 0 30 2 *")).toBe("never runs (no such date, e.g. February 30)");
    expect(cronProblem("0 2 * * *")).toBeUndefined();
  });
});
