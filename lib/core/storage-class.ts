import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "./naming";

export interface QdrantStorageClassProps {
  readonly names: QdrantNames;
  readonly storageType: string;
  readonly iops?: number;
  /**
   * A class for short-lived volumes (the backup pods' scratch space): Delete instead of Retain, so a volume
   * goes when its pod does. Named `<name>-scratch`.
   */
  readonly scratch?: boolean;
}

/**
 * An encrypted EBS StorageClass for the Qdrant volumes (EKS): the EBS CSI driver, volumes bound where
 * the pod lands (WaitForFirstConsumer), expandable, and Retain so a deleted PVC keeps its data.
 */
export class QdrantStorageClass extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: QdrantStorageClassProps) {
    super(scope, id);
    const storageClass = new StorageClassV1(this, "resource", {
      metadata: { name: `${props.names.resourceName}-${props.scratch ? "scratch" : props.storageType}`, labels: props.names.labels },
      storageProvisioner: "ebs.csi.aws.com",
      parameters: {
        type: props.storageType,
        encrypted: "true",
        "csi.storage.k8s.io/fstype": "ext4",
        ...(props.iops !== undefined ? { iops: String(props.iops) } : {}),
      },
      reclaimPolicy: props.scratch ? "Delete" : "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
    this.name = storageClass.metadata.name;
  }
}
