import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { conditionOf, optionalPart } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";
import type { QdrantInputs } from "../config/schema";
import { HEADLESS_SERVICE_LABEL, QdrantNames } from "../core/naming";
import type { JobDeadlines } from "../backup/job-deadlines";
import { alertRules, lastRunBackupAlert } from "./alert-rules";

export interface QdrantMonitoringProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
  /** Secret with `read-only-api-key`, when /metrics needs a key (authentication on, Qdrant < v1.17). */
  readonly apiKeySecretName?: string;
  readonly tlsSecretName?: string;
  /** The backup Job's deadline, which the module's backup alert waits past. */
  readonly deadlines: JobDeadlines;
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
      const rules = [...alertRules(inputs, names, props.deadlines), ...(scheduleUnknown ? [lastRunBackupAlert(inputs, names, props.deadlines)] : [])];
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
