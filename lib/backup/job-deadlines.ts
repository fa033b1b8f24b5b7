/**
 * The backup, verify and restore Jobs' deadlines (activeDeadlineSeconds) follow the data. A run handles the peers
 * one after the other, and each peer's snapshots (one per collection: together about the peer's data, so at most
 * its data volume, or its snapshot volume if that is larger) pass through several reads and writes of their size:
 * the deadline is what those take at DEADLINE_MIB_PER_SECOND, in whole hours, and never less than a fixed floor. The scripts' per-step limits let one step go as slow as TRANSFER_MIN_MIB_PER_SECOND
 * (25 MiB/s) before they stop it; the deadline asks more of the whole run: on average DEADLINE_MIB_PER_SECOND. A
 * run slower than that is stopped at its deadline (and QdrantBackupMissing follows).
 */
import { Fn, ref, TerraformLocal, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { parseQuantity } from "../config/kubernetes-formats";
import type { QdrantInputs } from "../config/schema";
import { isUnresolvedToken } from "../config/tokens";
import { hclQuantity } from "../module/variable-types";

/** Below gp3's baseline throughput (125 MiB/s), which bounds each pass when volumes keep the default. */
export const DEADLINE_MIB_PER_SECOND = 100;

export interface JobDeadline {
  /** Full-size passes per peer. */
  readonly passes: number;
  /** The least deadline, in hours. */
  readonly floorHours: number;
}

export const JOB_DEADLINES = {
  /** Qdrant writes the snapshot, the Job downloads it, reads it for its sha256, uploads it. */
  backup: { passes: 4, floorHours: 6 },
  /**
   * The check of every file (read once for its sha256), the download, its check, the upload, Qdrant's own
   * checksum of the upload and its unpacking, and in cluster mode Qdrant's copy of the restored shards to their
   * other replicas, which the restore waits for (counted for a single node too: a few hours more at most).
   */
  restore: { passes: 7, floorHours: 12 },
  /** The restore's passes, into scratch collections (single node). */
  "backup-verify": { passes: 6, floorHours: 6 },
} as const satisfies Record<string, JobDeadline>;

type SizeInputs = Pick<QdrantInputs, "replicas" | "snapshotStorageSize" | "storageSize">;

const BYTES_PER_HOUR = DEADLINE_MIB_PER_SECOND * 2 ** 20 * 3600;

/**
 * One deployment's Job deadlines. In the module (the sizes are variables) they are Terraform expressions over a
 * local holding a peer's bytes (`<id>_peer_volume_bytes`, created only there). The snapshot volume alone would
 * undercount: it needs to hold only the largest collection's snapshot, and may be pinned below a grown data volume.
 */
export class JobDeadlines {
  private readonly replicas: number | string;
  private readonly bytes: number | string;

  constructor(scope: Construct, inputs: SizeInputs) {
    const snapshots = inputs.snapshotStorageSize ?? inputs.storageSize;
    if (isUnresolvedToken(inputs.replicas) || isUnresolvedToken(snapshots) || isUnresolvedToken(inputs.storageSize)) {
      this.replicas = Token.asString(inputs.replicas);
      const bytes = (quantity: string) => Token.asNumber(ref(hclQuantity(quantity), TerraformStack.of(scope)));
      this.bytes = new TerraformLocal(scope, "peer-volume-bytes", Fn.max([bytes(inputs.storageSize), bytes(snapshots)])).asString;
    } else {
      this.replicas = inputs.replicas;
      this.bytes = Math.max(parseQuantity(inputs.storageSize) ?? 0, parseQuantity(snapshots) ?? 0);
    }
  }

  /** A Job's activeDeadlineSeconds (plus `extraHours`, for the alert that waits past it). */
  seconds(kind: keyof typeof JOB_DEADLINES, extraHours = 0): number {
    const h = this.hours(kind, extraHours);
    return typeof h === "number" ? h * 3600 : Token.asNumber(`\${(${h}) * 3600}`);
  }

  /** The same in hours, as text for messages. */
  hoursText(kind: keyof typeof JOB_DEADLINES, extraHours = 0): string {
    const h = this.hours(kind, extraHours);
    return typeof h === "number" ? String(h) : `\${${h}}`;
  }

  /** The deadline in hours plus `extraHours`: a number, or an HCL expression. */
  private hours(kind: keyof typeof JOB_DEADLINES, extraHours: number): number | string {
    const { passes, floorHours }: JobDeadline = JOB_DEADLINES[kind];
    if (typeof this.replicas === "number" && typeof this.bytes === "number") {
      return Math.max(floorHours, Math.ceil((this.replicas * passes * this.bytes) / BYTES_PER_HOUR)) + extraHours;
    }
    const hcl = `max(${floorHours}, ceil(${this.replicas} * ${passes} * ${this.bytes} / ${BYTES_PER_HOUR}))`;
    return extraHours === 0 ? hcl : `${hcl} + ${extraHours}`;
  }
}
