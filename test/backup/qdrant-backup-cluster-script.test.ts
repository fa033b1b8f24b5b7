/**
 * Cluster mode of lib/backup/qdrant-backup.sh and qdrant-restore.sh: three Qdrant stand-ins play the three peers of a
 * StatefulSet (each answers GET /cluster with 3 peers and holds its own points, as each real peer holds its own shards).
 * Stand-in limits: its peers do not share collection metadata, and a peer reports only its own points_count (a real
 * cluster reports the collection's total on every peer); the scripts read points_count on the first peer only.
 */
import { STANDIN_PEER_ID } from "../support/qdrant-model";
import { startQdrantStandin, type QdrantStandin, type RecordedRequest } from "../support/qdrant-standin";
import { requireAwsCli, startS3Server, type S3Server } from "../support/s3-server";
import { baseEnv, cleanupTempDirs, copyStore, fileStore, infos, readManifest, runBackup, runRestore, s3Store, seed, sha256 } from "../support/backup-fixtures";

const TS = "20250301_020000";
const brief = (r: RecordedRequest) => `${r.method} ${r.path}`;

let s3: S3Server;
let peers: QdrantStandin[] = [];

beforeAll(async () => {
  requireAwsCli();
  s3 = await startS3Server();
});
afterAll(async () => {
  await Promise.all(peers.map((q) => q.close()));
  await s3?.close();
  cleanupTempDirs();
});

it("backs up every peer to peer-<ordinal>/, restores each peer's snapshot to the same ordinal, and refuses another peer count", async () => {
  peers = await Promise.all([0, 1, 2].map(() => startQdrantStandin({ version: "1.19", peers: 3, snapshotPaddingBytes: 16 << 10 })));
  for (const [i, q] of peers.entries()) await seed(q, { names: ["documents"], extraPoints: 40 + 10 * i });
  const before = peers.map(infos);
  const bytes = peers.map((q) => q.state.serialize("documents"));
  expect(new Set(bytes.map(sha256)).size).toBe(3); // every peer holds other data
  const store = s3Store(s3, "qdrant-backups/acme-corp");
  const url = store.destination;
  const env = { ...baseEnv(s3), QDRANT_PEER_URLS: peers.map((q) => q.url).join(" "), BACKUP_DESTINATION: url };

  // Backup: one snapshot per peer.
  const r = await runBackup({ ...env, BACKUP_TIMESTAMP: TS });
  expect(r.errorLines).toEqual([]);
  expect(r.code).toBe(0);
  const file = (n: number) => `documents/peer-${n}/snapshot_${TS}.snapshot`;
  const snapshot = `documents-${STANDIN_PEER_ID}-2025-01-01-00-00-01.snapshot`;
  expect(r.lines).toEqual([
    `backup ${TS}: 1 collection(s) on 3 peers (cluster) to ${url}/${TS}/`,
    ...[0, 1, 2].map((n) => `collection "documents" peer ${n}: snapshot ${snapshot} (${bytes[n].length} bytes, sha256 ${sha256(bytes[n])}) stored as ${url}/${TS}/${file(n)}`),
    `backup ${TS} complete: 1 collection(s), 3 snapshot file(s), ${bytes[0].length + bytes[1].length + bytes[2].length} bytes; manifest ${url}/${TS}/manifest.json`,
  ]);
  expect(await store.list()).toEqual([`${TS}/${file(0)}`, `${TS}/${file(1)}`, `${TS}/${file(2)}`, `${TS}/manifest.json`]);
  for (const n of [0, 1, 2]) expect((await store.get(`${TS}/${file(n)}`)).equals(bytes[n])).toBe(true);
  const manifest = await readManifest(store, TS);
  expect(manifest).toMatchObject({ peer_count: 3, collections: { documents: { points_count: 40, points_count_after: 40 } } });
  expect(manifest.collections.documents.files).toEqual([0, 1, 2].map((n) => ({ peer: n, path: file(n), size: bytes[n].length, sha256: sha256(bytes[n]) })));
  // The first peer answers the reads; every peer makes, serves and deletes its own snapshot.
  const snapshotPath = `/collections/documents/snapshots/${snapshot}`;
  const ownSnapshot = ["POST /collections/documents/snapshots", `GET ${snapshotPath}`, `DELETE ${snapshotPath}`];
  expect(peers[0].requests.map(brief)).toEqual(["GET /cluster", "GET /", "GET /collections", "GET /collections/documents", ...ownSnapshot, "GET /collections/documents"]);
  expect(peers[1].requests.map(brief)).toEqual(ownSnapshot);
  expect(peers[2].requests.map(brief)).toEqual(ownSnapshot);
  for (const q of peers) expect(q.state.listSnapshots("documents")).toEqual([]);

  // Refusals, tried on the same backup copied to a directory (faster without the AWS CLI; the same code decides).
  // Two peers where the backup had three: nothing is written anywhere.
  const local = fileStore();
  await copyStore(store, local);
  for (const q of peers) q.clearRequests();
  peers[0].setPeers(2);
  peers[1].setPeers(2);
  const two = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, QDRANT_PEER_URLS: `${peers[0].url} ${peers[1].url}`, RESTORE_TIMESTAMP: TS });
  expect(two.code).toBe(1);
  expect(two.errorLines).toEqual([
    `qdrant-restore: error: backup ${TS} was taken from 3 peer(s), but QDRANT_PEER_URLS lists 2; snapshots are per peer (each holds that peer's shards), so they can only go back to the same number of peers`,
    `qdrant-restore: error: cannot restore collection "documents": the snapshot(s) of peer 2 (${file(2)}) would have no peer to go to, so their shards would be lost`,
    "qdrant-restore: error: nothing was restored; run the restore against exactly 3 peer(s) (replicas: 3), listed in ordinal order in QDRANT_PEER_URLS",
  ]);
  expect(peers.flatMap((q) => q.requests)).toEqual([]);

  // Four peers; and three URLs but a cluster that counts two peers.
  const extra = await startQdrantStandin({ version: "1.19", peers: 4 });
  try {
    const four = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, QDRANT_PEER_URLS: [...peers, extra].map((q) => q.url).join(" "), RESTORE_TIMESTAMP: TS });
    expect(four.code).toBe(1);
    expect(four.errorLines.slice(1)).toEqual([
      'qdrant-restore: error: cannot restore collection "documents": peer 3 would get no snapshot, so the shards Qdrant places there would be missing',
      "qdrant-restore: error: nothing was restored; run the restore against exactly 3 peer(s) (replicas: 3), listed in ordinal order in QDRANT_PEER_URLS",
    ]);
    expect(extra.requests).toEqual([]);
  } finally {
    await extra.close();
  }
  const miscounted = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, RESTORE_TIMESTAMP: TS });
  expect(miscounted.code).toBe(1);
  expect(miscounted.errorLines).toEqual([
    `qdrant-restore: error: Qdrant at ${peers[0].url} reports 2 peer(s) (cluster enabled) but QDRANT_PEER_URLS lists 3 and backup ${TS} has 3; nothing was restored`,
  ]);
  expect(peers.flatMap((q) => q.writes())).toEqual([]);

  // Every peer lost its data; the cluster has three peers again. Each gets back its own snapshot (from the copy: the
  // S3 download is the drill's, in qdrant-backup.test.ts).
  peers[0].setPeers(3);
  peers[1].setPeers(3);
  for (const q of peers) q.state.delete("documents");
  const rr = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, RESTORE_TIMESTAMP: "latest" });
  expect(rr.errorLines).toEqual([]);
  expect(rr.code).toBe(0);
  expect(rr.lines).toEqual([
    `newest complete backup under ${local.destination}/: ${TS}`,
    `backup ${TS}: 1 collection(s) from 3 peer(s), Qdrant 1.19.0`,
    `checked 3 file(s), ${bytes[0].length + bytes[1].length + bytes[2].length} bytes: every sha256 matches the manifest`,
    ...[0, 1, 2].map((n) => `collection "documents" peer ${n}: restored from ${local.destination}/${TS}/${file(n)}`),
    'collection "documents": points_count 40 matches the manifest',
    `restore of backup ${TS} complete: 1 collection(s)`,
  ]);
  for (const n of [0, 1, 2]) {
    expect(peers[n].uploads.map((u) => [u.collection, sha256(u.bytes)])).toEqual([["documents", sha256(bytes[n])]]);
    expect(infos(peers[n])).toEqual(before[n]);
    expect(peers[n].writes().map((w) => `${w.method} ${w.path}?${new URLSearchParams(w.query).toString()}`)).toEqual([
      `POST /collections/documents/snapshots/upload?priority=snapshot&checksum=${sha256(bytes[n])}`,
    ]);
  }
  for (const q of peers) expect(q.violations).toEqual([]);
});
