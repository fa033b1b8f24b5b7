import { TerraformStack, Testing } from "cdktf";
import { JobDeadlines } from "../../lib/backup/job-deadlines";
import { QdrantDeployment, QdrantDeploymentProps } from "../../lib/qdrant-deployment";
import { BASE_PROPS } from "../helpers/synth";

/** The deployment's synth warnings. */
const synthWarnings = (props: Partial<QdrantDeploymentProps>) => {
  const qdrant = new QdrantDeployment(new TerraformStack(Testing.app(), "warnings"), "qdrant", { ...BASE_PROPS, ...props } as QdrantDeploymentProps);
  return qdrant.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
};

const deadlines = (replicas: number, storageSize: string, snapshotStorageSize?: string) => {
  const d = new JobDeadlines(new TerraformStack(Testing.app(), "deadlines"), { replicas, storageSize, snapshotStorageSize });
  return { backup: d.seconds("backup") / 3600, verify: d.seconds("backup-verify") / 3600, restore: d.seconds("restore") / 3600, alert: d.hoursText("backup", 1) };
};

it("keeps the floors for small volumes: six hours for a backup or verification, twelve for a restore", () => {
  expect(deadlines(1, "10Gi")).toEqual({ backup: 6, verify: 6, restore: 12, alert: "7" });
  expect(deadlines(3, "50Gi")).toEqual({ backup: 6, verify: 6, restore: 12, alert: "7" });
});

it("grows with the peers and their volumes: four passes (six to verify, seven to restore) at 100 MiB/s, in whole hours", () => {
  // 3 x 4 x 500 GiB at 100 MiB/s: 17.07 h; 3 x 6 x 500 GiB: 25.6 h; 3 x 7 x 500 GiB: 29.9 h.
  expect(deadlines(3, "500Gi")).toEqual({ backup: 18, verify: 26, restore: 30, alert: "19" });
  // The larger of the two volumes bounds a peer's snapshots: 4 x 2000 GiB takes 22.76 h.
  expect(deadlines(1, "10Gi", "2000Gi")).toEqual({ backup: 23, verify: 35, restore: 40, alert: "24" });
  // A snapshot volume pinned below the data volume holds the largest collection's snapshot, not the peer's data:
  // every collection's snapshot passes through it in turn, so the data volume counts.
  expect(deadlines(3, "500Gi", "120Gi")).toEqual(deadlines(3, "500Gi"));
  // An hour moves 360000 MiB: four passes of 630000Mi take exactly 7 hours, one MiB more starts an eighth.
  expect(deadlines(1, "630000Mi").backup).toBe(7);
  expect(deadlines(1, "630001Mi").backup).toBe(8);
});

it("warns at synth when the data takes as long as the gap between backup runs", () => {
  const warnings = (storageSize: string, backupSchedule: string) =>
    synthWarnings({ replicas: 3, storageSize, backupEnabled: true, backupS3Bucket: "bkt", eksClusterName: "eks", backupSchedule }).filter((w) => w.startsWith("backupSchedule:"));
  expect(warnings("500Gi", "0 2 * * *")).toEqual([]);
  expect(warnings("500Gi", "0 */12 * * *")).toEqual([
    'backupSchedule: a run may take up to 18 h (its deadline follows the peers and their volumes: README "Backup and restore"), as long as the 12 h between runs of "0 */12 * * *": a run that takes that long skips the next (concurrencyPolicy Forbid); schedule runs further apart',
  ]);
  // Small volumes keep the six-hour floor, a backstop rather than the run's expected length: no warning.
  expect(warnings("10Gi", "0 * * * *")).toEqual([]);
});
