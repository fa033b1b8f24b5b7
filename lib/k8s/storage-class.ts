import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { Construct } from "constructs";
import type { QdrantNames } from "../naming";
import { readableId } from "./readable-id";

export interface QdrantStorageClassProps {
  readonly names: QdrantNames;
  readonly idPrefix: string;
  readonly storageType: string;
  readonly iops?: number;
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
      metadata: { name: `${props.names.resourceName}-${props.storageType}`, labels: props.names.labels },
      storageProvisioner: "ebs.csi.aws.com",
      parameters: {
        type: props.storageType,
        encrypted: "true",
        "csi.storage.k8s.io/fstype": "ext4",
        ...(props.iops !== undefined ? { iops: String(props.iops) } : {}),
      },
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
    readableId(storageClass, props.idPrefix);
    this.name = storageClass.metadata.name;
  }
}
