import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import type { QdrantInputs } from "../config/schema";
import { isUnresolvedToken } from "../config/tokens";
import { CERTIFICATE_TIMEOUT } from "../terraform/wait-budget";
import type { QdrantNames } from "./naming";

export const TLS_MOUNT = "/qdrant/tls";

/**
 * Qdrant's TLS settings (service.enable_tls, tls.cert/key/ca_cert). HTTPS re-reads the certificate every hour; gRPC
 * keeps the one it started with until the pod restarts (README, TLS: restart after a renewal).
 *
 * Peers also talk HTTPS to each other: a shard snapshot transfer (Qdrant's default method since v1.18, and its
 * fallback after a failed WAL-delta transfer) has the receiving peer download the snapshot from
 * https://<sts>-N.<headless>:6333 with a client that trusts tls.ca_cert (src/common/http_client.rs). Qdrant's default
 * ca_cert, ./tls/cacert.pem, is not in the mounted Secret: without the Secret's ca.crt the client logs "Failed to load
 * CA certificate" and trusts the system roots only, which a private CA's certificate fails. Without a ca.crt, cluster
 * mode moves shards by streaming records over the peer port (gRPC) instead, which needs no CA.
 */
export function tlsEnvironment(tls: NonNullable<QdrantInputs["tls"]>, clusterMode: boolean): Record<string, string> {
  return {
    QDRANT__SERVICE__ENABLE_TLS: "true",
    QDRANT__TLS__CERT: `${TLS_MOUNT}/tls.crt`,
    QDRANT__TLS__KEY: `${TLS_MOUNT}/tls.key`,
    QDRANT__TLS__CERT_TTL: "3600",
    ...(tls.caInSecret ? { QDRANT__TLS__CA_CERT: `${TLS_MOUNT}/ca.crt` } : {}),
    // storage.shard_transfer_method: every transfer that names no method, automatic ones included (which then also
    // skip WAL delta: lib/collection/src/collection/mod.rs); with prevent_unoptimized a failed transfer still falls
    // back to a snapshot (shard_transfer.rs).
    ...(!tls.caInSecret && clusterMode ? { QDRANT__STORAGE__SHARD_TRANSFER_METHOD: "stream_records" } : {}),
  };
}

/** The most pods the StatefulSet may run: replicas, or the autoscaler's ceiling (a CDKTF-only input, so literal) when it is on. */
function largestPodCount(inputs: QdrantInputs): number {
  return inputs.autoscaling?.enabled ? Math.max(inputs.replicas, inputs.autoscaling.maxReplicas) : inputs.replicas;
}

/**
 * The names a client may use: the Service (short, namespaced, FQDN) and every pod behind the headless Service. Each
 * pod's short name (`<sts>-N.<headless>`, the one peers announce and fetch shard snapshots by) is listed on its own:
 * `*.<headless>` does not cover it, since a wildcard needs at least two labels after it (rustls-webpki, node's
 * checkServerIdentity). With replicas a Terraform expression, Terraform lists the pods (formatlist over range).
 */
export function tlsDnsNames(names: QdrantNames, inputs: QdrantInputs): string[] {
  const ns = names.namespace;
  const service = [
    names.resourceName,
    `${names.resourceName}.${ns}`,
    `${names.resourceName}.${ns}.svc`,
    names.serviceFqdn,
    `*.${names.headlessServiceName}`,
    `*.${names.headlessServiceName}.${ns}.svc.${inputs.clusterDomain}`,
  ];
  const pods = largestPodCount(inputs);
  if (isUnresolvedToken(pods)) {
    return Token.asList(Fn.concat([service, Fn.formatlist(`${names.resourceName}-%d.${names.headlessServiceName}`, [Fn.range(0, pods)])]));
  }
  return [...service, ...Array.from({ length: pods }, (_, i) => `${names.resourceName}-${i}.${names.headlessServiceName}`)];
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
  /**
   * The cert-manager Certificate, for dependsOn: Terraform finishes it once cert-manager reports it Ready (the Secret
   * exists), so pods that mount the Secret do not start before it. Undefined with the user's own Secret.
   */
  readonly certificate?: Manifest;

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
    const names = tlsDnsNames(props.names, props.inputs);
    this.certificate = new Manifest(this, "certificate", {
      manifest: {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: this.secretName, namespace: props.namespace, labels: props.names.labels },
        spec: {
          secretName: this.secretName,
          dnsNames: isUnresolvedToken(names) ? Fn.distinct(Fn.concat([names, tls.extraDnsNames])) : [...new Set([...names, ...tls.extraDnsNames])],
          issuerRef: { name: issuer.name, kind: issuer.kind, group: "cert-manager.io" },
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
      },
      wait: { condition: [{ type: "Ready", status: "True" }] },
      // Out of the apply's wait budget (lib/terraform/wait-budget.ts): past it the apply stops before the StatefulSet.
      timeouts: { create: CERTIFICATE_TIMEOUT, update: CERTIFICATE_TIMEOUT },
    });
  }
}
