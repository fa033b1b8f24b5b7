import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import type { QdrantInputs } from "../config/schema";
import type { QdrantNames } from "./naming";

export const TLS_MOUNT = "/qdrant/tls";

/**
 * Qdrant's TLS settings (service.enable_tls, tls.cert/key). HTTPS re-reads the certificate every hour; gRPC keeps
 * the one it started with until the pod restarts (README, TLS: restart after a renewal).
 */
export function tlsEnvironment(): Record<string, string> {
  return {
    QDRANT__SERVICE__ENABLE_TLS: "true",
    QDRANT__TLS__CERT: `${TLS_MOUNT}/tls.crt`,
    QDRANT__TLS__KEY: `${TLS_MOUNT}/tls.key`,
    QDRANT__TLS__CERT_TTL: "3600",
  };
}

/** The names a client may use: the Service (short, namespaced, FQDN) and every pod behind the headless Service. */
export function tlsDnsNames(names: QdrantNames, clusterDomain: string): string[] {
  const ns = names.namespace;
  return [
    names.resourceName,
    `${names.resourceName}.${ns}`,
    `${names.resourceName}.${ns}.svc`,
    names.serviceFqdn,
    `*.${names.headlessServiceName}`,
    `*.${names.headlessServiceName}.${ns}.svc.${clusterDomain}`,
  ];
}

export interface QdrantTlsProps {
  readonly inputs: QdrantInputs;
  readonly names: QdrantNames;
  readonly namespace: string;
}

/**
 * The certificate Secret Qdrant serves HTTPS and gRPC with: the user's, or one cert-manager issues for the
 * Service and pod names and tls.extraDnsNames (a cert-manager Certificate; its CRD must exist when Terraform plans).
 */
export class QdrantTls extends Construct {
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: QdrantTlsProps) {
    super(scope, id);
    const tls = props.inputs.tls;
    if (!tls) throw new Error("QdrantTls needs inputs.tls");
    if (tls.secretName) {
      this.secretName = tls.secretName;
      return;
    }
    const issuer = tls.certManagerIssuer as NonNullable<typeof tls.certManagerIssuer>;
    this.secretName = `${props.names.resourceName}-tls`;
    new Manifest(this, "certificate", {
      manifest: {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: this.secretName, namespace: props.namespace, labels: props.names.labels },
        spec: {
          secretName: this.secretName,
          dnsNames: [...new Set([...tlsDnsNames(props.names, props.inputs.clusterDomain), ...tls.extraDnsNames])],
          issuerRef: { name: issuer.name, kind: issuer.kind, group: "cert-manager.io" },
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
      },
    });
  }
}
