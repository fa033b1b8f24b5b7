import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { GRPC_PORT, HEADLESS_SERVICE_LABEL, HTTP_PORT, P2P_PORT, QdrantNames } from "./naming";

export interface QdrantServicesProps {
  readonly names: QdrantNames;
  readonly namespace: string;
}

const clientPorts = [
  { name: "http", port: HTTP_PORT, targetPort: "http", protocol: "TCP" },
  { name: "grpc", port: GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
];

/**
 * The client Service (ClusterIP: 6333 http, 6334 grpc; never the peer port) and the headless Service
 * that gives each pod a DNS name (`<pod>.<headless>`); in cluster mode peers find each other through
 * it, including pods that are not ready yet.
 */
export class QdrantServices extends Construct {
  readonly serviceName: string;
  readonly headlessServiceName: string;

  constructor(scope: Construct, id: string, props: QdrantServicesProps) {
    super(scope, id);
    const { names } = props;
    const client = new ServiceV1(this, "client", {
      metadata: { name: names.resourceName, namespace: props.namespace, labels: names.labels },
      spec: { type: "ClusterIP", selector: names.selectorLabels, port: clientPorts },
    });

    // The headless Service also lists the metrics port: the ServiceMonitor scrapes every pod through it.
    const headlessPorts = [
      ...clientPorts,
      ...(names.clusterMode ? [{ name: "p2p", port: P2P_PORT, targetPort: "p2p", protocol: "TCP" }] : []),
      ...(names.metricsPort !== undefined ? [{ name: "metrics", port: names.metricsPort, targetPort: "metrics", protocol: "TCP" }] : []),
    ];
    const headless = new ServiceV1(this, "headless", {
      metadata: { name: names.headlessServiceName, namespace: props.namespace, labels: names.withLabels(HEADLESS_SERVICE_LABEL) },
      spec: { clusterIp: "None", publishNotReadyAddresses: true, selector: names.selectorLabels, port: headlessPorts },
    });
    this.serviceName = client.metadata.name;
    this.headlessServiceName = headless.metadata.name;
  }
}
