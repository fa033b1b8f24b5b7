import { podSpec, qdrantContainer, resource, synthDeployment } from "../helpers/synth";

describe("QdrantStatefulSet", () => {
  const json = synthDeployment();
  const sts = resource(json, "kubernetes_stateful_set_v1", "qdrant");

  it("names the StatefulSet <customer>-qdrant, governed by the headless Service", () => {
    expect(sts.metadata.name).toBe("acme-qdrant");
    expect(sts.spec).toMatchObject({
      service_name: "${kubernetes_service_v1.qdrant_headless.metadata[0].name}",
      replicas: "1",
      pod_management_policy: "Parallel",
      persistent_volume_claim_retention_policy: [{ when_deleted: "Retain", when_scaled: "Retain" }],
      selector: { match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } },
    });
  });

  it("claims a data volume and a snapshot volume per pod, without labels that change", () => {
    const claims = sts.spec.volume_claim_template;
    expect(claims.map((c: any) => [c.metadata.name, c.spec.resources.requests.storage, c.spec.access_modes])).toEqual([
      ["qdrant-data", "50Gi", ["ReadWriteOnce"]],
      ["qdrant-snapshots", "50Gi", ["ReadWriteOnce"]],
    ]);
    // Only labels that never change for a deployment: not the version, not commonLabels.
    const labelled = resource(synthDeployment({ commonLabels: { team: "search" } }), "kubernetes_stateful_set_v1", "qdrant");
    for (const c of [...claims, ...labelled.spec.volume_claim_template]) {
      expect(c.metadata.labels).toEqual({
        "app.kubernetes.io/name": "qdrant",
        "app.kubernetes.io/instance": "acme-qdrant",
        "app.kubernetes.io/managed-by": "terraform",
        "app.kubernetes.io/component": "vector-store",
      });
    }
    const custom = resource(synthDeployment({ storageSize: "20Gi", snapshotStorageSize: "5Gi" }), "kubernetes_stateful_set_v1", "qdrant");
    expect(custom.spec.volume_claim_template.map((c: any) => c.spec.resources.requests.storage)).toEqual(["20Gi", "5Gi"]);
  });

  it("keeps the claim templates as created (Terraform ignores them; the upgrade guard checks sizes and class at plan), and the stamp of `kubectl rollout restart`", () => {
    expect(sts.lifecycle.ignore_changes).toEqual(["spec[0].volume_claim_template", 'spec[0].template[0].metadata[0].annotations["kubectl.kubernetes.io/restartedAt"]']);
    const scaling = resource(synthDeployment({ replicas: 3, autoscaling: { enabled: true, maxReplicas: 5 } }), "kubernetes_stateful_set_v1", "qdrant");
    expect(scaling.lifecycle.ignore_changes).toEqual(["spec[0].volume_claim_template", 'spec[0].template[0].metadata[0].annotations["kubectl.kubernetes.io/restartedAt"]', "spec[0].replicas"]);
  });

  it("mounts a volume at every path Qdrant writes, with a read-only root filesystem", () => {
    const container = qdrantContainer(json);
    expect(container.volume_mount).toEqual([
      { name: "qdrant-data", mount_path: "/qdrant/storage" },
      { name: "qdrant-snapshots", mount_path: "/qdrant/snapshots" },
      { name: "qdrant-init", mount_path: "/qdrant/init" },
    ]);
    expect(podSpec(json).volume).toEqual([{ name: "qdrant-init", empty_dir: { size_limit: "1Mi" } }]);
    expect(container.security_context.read_only_root_filesystem).toBe(true);
  });

  it("runs as the spike's uid/gid/fsGroup with the restricted security contexts", () => {
    expect(podSpec(json).security_context).toEqual({
      run_as_non_root: true,
      run_as_user: "1000",
      run_as_group: "2000",
      fs_group: "3000",
      fs_group_change_policy: "OnRootMismatch",
      seccomp_profile: { type: "RuntimeDefault" },
    });
    expect(qdrantContainer(json).security_context).toEqual({
      run_as_non_root: true,
      allow_privilege_escalation: false,
      privileged: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ["ALL"] },
      seccomp_profile: { type: "RuntimeDefault" },
    });
    const custom = podSpec(synthDeployment({ podSecurity: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 } })).security_context;
    expect([custom.run_as_user, custom.run_as_group, custom.fs_group]).toEqual(["1001", "1001", "1001"]);
  });

  it("probes /readyz and /livez, with a startup probe sized by startupTimeoutSeconds", () => {
    const c = qdrantContainer(json);
    expect(c.readiness_probe).toEqual({ http_get: { path: "/readyz", port: "http" }, initial_delay_seconds: 5, period_seconds: 5, timeout_seconds: 3, failure_threshold: 3 });
    expect(c.liveness_probe).toEqual({ http_get: { path: "/livez", port: "http" }, initial_delay_seconds: 15, period_seconds: 15, timeout_seconds: 3, failure_threshold: 3 });
    expect(c.startup_probe).toEqual({ http_get: { path: "/readyz", port: "http" }, initial_delay_seconds: 5, period_seconds: 5, failure_threshold: 60 });
    expect(qdrantContainer(synthDeployment({ startupTimeoutSeconds: 60 })).startup_probe.failure_threshold).toBe(12);
  });

  it("waits for its rollout within the apply's budget (three quarters of applyWaitMinutes)", () => {
    expect(sts.wait_for_rollout).toBeUndefined(); // the provider's default: true
    expect(sts.timeouts).toEqual({ create: "9m", update: "9m", delete: "2m" });
    expect(resource(synthDeployment({ applyWaitMinutes: 40 }), "kubernetes_stateful_set_v1", "qdrant").timeouts).toEqual({ create: "30m", update: "30m", delete: "2m" });
  });

  it("sets resources, grace period, Prometheus annotations and the pinned image", () => {
    const c = qdrantContainer(json);
    expect(c.image).toBe("qdrant/qdrant:v1.19.0");
    expect(c.resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } });
    expect(podSpec(json).termination_grace_period_seconds).toBe(30);
    // v1.17+: metrics on their own port, no key needed, so annotation-based scraping works with auth on.
    expect(sts.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics" });
    const old = (props: object) => resource(synthDeployment({ qdrantVersion: "v1.13.2", ...props }), "kubernetes_stateful_set_v1", "qdrant").spec.template.metadata.annotations;
    expect(old({})["prometheus.io/scrape"]).toBeUndefined(); // /metrics needs the key there
    expect(old({ enableAuthentication: false, apiKeySource: undefined })).toMatchObject({ "prometheus.io/port": "6333" });
  });

  it("runs single-node with the image's own command and no peer port", () => {
    const c = qdrantContainer(json);
    expect(c.command).toBeUndefined();
    expect(c.port.map((p: any) => p.name)).toEqual(["http", "grpc", "metrics"]);
    expect(podSpec(json).affinity).toBeUndefined();
  });

  describe("cluster mode (replicas > 1)", () => {
    const cluster = synthDeployment({ replicas: 3 });
    const c = qdrantContainer(cluster);

    it("starts each pod through the cluster start script with the peer names", () => {
      expect(resource(cluster, "kubernetes_stateful_set_v1", "qdrant").spec.replicas).toBe("3");
      expect(c.command[0]).toBe("/bin/bash");
      expect(c.command[2]).toContain('exec ./entrypoint.sh --bootstrap "$(peer_url 0)" --uri "$(peer_url "$ordinal")"');
      expect(c.env).toEqual(
        expect.arrayContaining([
          { name: "QDRANT_STATEFULSET", value: "acme-qdrant" },
          { name: "QDRANT_HEADLESS_SERVICE", value: "acme-qdrant-headless" },
          { name: "QDRANT_P2P_PORT", value: "6335" },
        ]),
      );
      expect(c.port.map((p: any) => `${p.name}:${p.container_port}`)).toEqual(["http:6333", "grpc:6334", "p2p:6335", "metrics:9090"]);
    });

    it("starts with a probe of / (loaded), not /readyz (replicas in sync), and stays ready on /readyz", () => {
      // A recovering peer answers /readyz with 503 until every local replica is Active; the startup probe must
      // not restart it for that. Liveness and readiness are the single node's.
      expect(c.startup_probe).toEqual({ http_get: { path: "/", port: "http" }, initial_delay_seconds: 5, period_seconds: 5, failure_threshold: 60 });
      expect(c.readiness_probe.http_get.path).toBe("/readyz");
      expect(c.liveness_probe.http_get.path).toBe("/livez");
    });

    it("requires peers on different nodes unless anti-affinity is off", () => {
      expect(podSpec(cluster).affinity.pod_anti_affinity.required_during_scheduling_ignored_during_execution).toEqual([
        { label_selector: [{ match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } }], topology_key: "kubernetes.io/hostname" },
      ]);
      expect(podSpec(synthDeployment({ replicas: 3, enablePodAntiAffinity: false })).affinity).toBeUndefined();
      expect(podSpec(synthDeployment({ replicas: 3, podAntiAffinityMode: "preferred" })).affinity.pod_anti_affinity).toEqual({
        preferred_during_scheduling_ignored_during_execution: [
          {
            weight: 100,
            pod_affinity_term: { label_selector: [{ match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } }], topology_key: "kubernetes.io/hostname" },
          },
        ],
      });
    });

    it("spreads peers across zones, best effort", () => {
      expect(podSpec(cluster).topology_spread_constraint).toEqual([
        {
          max_skew: 1,
          topology_key: "topology.kubernetes.io/zone",
          when_unsatisfiable: "ScheduleAnyway",
          label_selector: [{ match_labels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "acme-qdrant" } }],
        },
      ]);
      expect(podSpec(json).topology_spread_constraint).toBeUndefined();
    });
  });

  it("passes nodeSelector and tolerations through", () => {
    const spec = podSpec(synthDeployment({ nodeSelector: { "node-type": "memory-optimized" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "qdrant", effect: "NoSchedule" }] }));
    expect(spec.node_selector).toEqual({ "node-type": "memory-optimized" });
    expect(spec.toleration).toEqual([{ key: "dedicated", operator: "Equal", value: "qdrant", effect: "NoSchedule" }]);
  });
});
