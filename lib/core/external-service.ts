import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { GRPC_PORT, HTTP_PORT, QdrantNames } from "./naming";

export interface QdrantExternalServiceProps {
  readonly names: QdrantNames;
  readonly namespace: string;
  readonly allowedCidrs: string[];
}

/**
 * External access: a LoadBalancer Service for 6333/6334 only, provisioned by the AWS Load Balancer
 * Controller as an internal NLB with IP targets, accepting only allowedCidrs. Client IPs are preserved so
 * the NetworkPolicy's CIDR rule sees the real source.
 */
export class QdrantExternalService extends Construct {
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: QdrantExternalServiceProps) {
    super(scope, id);
    const { names } = props;
    const service = new ServiceV1(this, "resource", {
      metadata: {
        name: `${names.resourceName}-external`,
        namespace: props.namespace,
        labels: names.labels,
        annotations: {
          "service.beta.kubernetes.io/aws-load-balancer-type": "external",
          "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
          "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
          "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
        },
      },
      spec: {
        type: "LoadBalancer",
        selector: names.selectorLabels,
        loadBalancerSourceRanges: props.allowedCidrs,
        port: [
          { name: "http", port: HTTP_PORT, targetPort: "http", protocol: "TCP" },
          { name: "grpc", port: GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
        ],
      },
    });
    // The AWS Load Balancer Controller's webhook (v2.5+) sets spec.loadBalancerClass on a new LoadBalancer Service.
    // In provider 2.38 that field is ForceNew and not computed: without this, every later plan would replace the
    // Service, and with it the NLB and the hostname clients use.
    service.addOverride("lifecycle.ignore_changes", ["spec[0].load_balancer_class"]);
    this.serviceName = service.metadata.name;
  }
}
