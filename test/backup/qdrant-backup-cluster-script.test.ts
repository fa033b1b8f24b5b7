/**
 * Cluster mode of lib/backup/qdrant-backup.sh and qdrant-restore.sh: three Qdrant stand-ins play the three peers of a
 * StatefulSet (startQdrantCluster): they share their collections, each collection's shards are placed on peers the way
 * Qdrant spreads them (not shard k on peer k), each peer's snapshot holds its own shards, and a restored snapshot
 * brings its shards back onto the peer it is uploaded to, which becomes a holder of each (Qdrant v1.19's recover.rs).
 */
import { STANDIN_PEER_ID } from "../support/qdrant-model";
import { startQdrantCluster, startQdrantStandin, type QdrantStandin, type RecordedRequest } from "../support/qdrant-standin";
import { requireAwsCli, startS3Server, type S3Server } from "../support/s3-server";
import { baseEnv, call, cleanupTempDirs, COLLECTIONS, copyStore, fileStore, infos, readManifest, runBackup, runRestore, s3Store, seed, sha256 } from "../support/backup-fixtures";

// The AWS CLI costs about a second of CPU a call: on a busy machine a test with several calls needs more than the default.
jest.setTimeout(180_000);

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

it("backs up every peer to peer-<ordinal>/ with the shards it holds, refuses another peer count, and after the init Job recreated the collection with another shard count puts each shard back on its peer", async () => {
  peers = await startQdrantCluster(3, { version: "1.19", snapshotPaddingBytes: 16 << 10 });
  // "documents" was created when the cluster had one peer (shard_number 1); after the scale-up an operator moved its
  // shard from peer 1, where Qdrant had put it, to peer 2.
  await seed(peers[0], { names: ["documents"], extraPoints: 40 });
  expect(peers.map((q) => q.state.localShards("documents"))).toEqual([[], [0], []]);
  await call(peers[0], "POST", "/collections/documents/cluster", { move_shard: { shard_id: 0, from_peer_id: STANDIN_PEER_ID + 1, to_peer_id: STANDIN_PEER_ID + 2 } });
  expect(peers.map((q) => q.state.localShards("documents"))).toEqual([[], [], [0]]);
  for (const q of peers) q.clearRequests();
  const before = infos(peers[0]);
  const bytes = peers.map((q) => q.state.serialize("documents"));
  expect(new Set(bytes.map(sha256)).size).toBe(2); // peers 0 and 1 hold no shard; peer 2 holds all 40 points
  const store = s3Store(s3, "qdrant-backups/acme-corp");
  const url = store.destination;
  const env = { ...baseEnv(s3), QDRANT_PEER_URLS: peers.map((q) => q.url).join(" "), BACKUP_DESTINATION: url };

  // Backup: one snapshot per peer, and which shards each peer held.
  const r = await runBackup({ ...env, BACKUP_TIMESTAMP: TS });
  expect(r.errorLines).toEqual([]);
  expect(r.code).toBe(0);
  const file = (n: number) => `documents/peer-${n}/snapshot_${TS}.snapshot`;
  const snapshot = (n: number) => `documents-${STANDIN_PEER_ID + n}-2025-01-01-00-00-01.snapshot`;
  expect(r.lines).toEqual([
    `backup ${TS}: 1 collection(s) on 3 peers (cluster) to ${url}/${TS}/`,
    ...[0, 1, 2].map((n) => `collection "documents" peer ${n}: snapshot ${snapshot(n)} (${bytes[n].length} bytes, sha256 ${sha256(bytes[n])}) stored as ${url}/${TS}/${file(n)}`),
    `backup ${TS} complete: 1 collection(s), 3 snapshot file(s), ${bytes[0].length + bytes[1].length + bytes[2].length} bytes; manifest ${url}/${TS}/manifest.json`,
  ]);
  expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/${file(0)}`, `${TS}/${file(1)}`, `${TS}/${file(2)}`, `${TS}/manifest.json`]);
  for (const n of [0, 1, 2]) expect((await store.get(`${TS}/${file(n)}`)).equals(bytes[n])).toBe(true);
  const manifest = await readManifest(store, TS);
  expect(manifest).toMatchObject({ peer_count: 3, collections: { documents: { points_count: 40, points_count_after: 40 } } });
  expect(manifest.collections.documents.files).toEqual(
    [0, 1, 2].map((n) => ({ peer: n, path: file(n), size: bytes[n].length, sha256: sha256(bytes[n]), shards: n === 2 ? [0] : [] })),
  );
  // The first peer answers the reads; every peer lists, makes, serves and deletes its own snapshot, and says which shards it holds.
  const own = (n: number) => [
    "GET /collections/documents/snapshots",
    "POST /collections/documents/snapshots",
    `GET /collections/documents/snapshots/${snapshot(n)}`,
    `DELETE /collections/documents/snapshots/${snapshot(n)}`,
    "GET /collections/documents/cluster",
  ];
  expect(peers[0].requests.map(brief)).toEqual(["GET /cluster", "GET /", "GET /collections", "GET /collections/documents", ...own(0), "GET /collections/documents"]);
  expect(peers[1].requests.map(brief)).toEqual(own(1));
  expect(peers[2].requests.map(brief)).toEqual(own(2));
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

  // Five peers (a scale-up after the backup); and three URLs but a cluster that counts two peers.
  const extra = await Promise.all([4, 5].map(() => startQdrantStandin({ version: "1.19", peers: 5 })));
  try {
    const five = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, QDRANT_PEER_URLS: [...peers, ...extra].map((q) => q.url).join(" "), RESTORE_TIMESTAMP: TS });
    expect(five.code).toBe(1);
    expect(five.errorLines.slice(1)).toEqual([
      'qdrant-restore: error: cannot restore collection "documents": peers 3..4 would get no snapshot, so the shards Qdrant places there would be missing',
      "qdrant-restore: error: nothing was restored; run the restore against exactly 3 peer(s) (replicas: 3), listed in ordinal order in QDRANT_PEER_URLS",
    ]);
    expect(extra.flatMap((q) => q.requests)).toEqual([]);
  } finally {
    await Promise.all(extra.map((q) => q.close()));
  }
  const miscounted = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, RESTORE_TIMESTAMP: TS });
  expect(miscounted.code).toBe(1);
  expect(miscounted.errorLines).toEqual([
    `qdrant-restore: error: Qdrant at ${peers[0].url} reports 2 peer(s) (cluster enabled) but QDRANT_PEER_URLS lists 3 and backup ${TS} has 3; nothing was restored`,
  ]);
  expect(peers.flatMap((q) => q.writes())).toEqual([]);

  // Disaster: the collection is lost. The init Job recreates it, empty, with today's peer count as shard_number:
  // Qdrant would refuse the backup's snapshots ("Snapshot is not compatible"), so the restore recreates it from the
  // manifest, moves its shard back to peer 2, and then uploads each peer's snapshot to that peer.
  peers[0].setPeers(3);
  peers[1].setPeers(3);
  peers[0].state.delete("documents");
  await call(peers[0], "PUT", "/collections/documents", { ...COLLECTIONS.documents.config, shard_number: 3 });
  for (const q of peers) q.clearRequests();
  const rr = await runRestore({ ...env, BACKUP_DESTINATION: local.destination, RESTORE_TIMESTAMP: "latest" });
  expect(rr.errorLines).toEqual([]);
  expect(rr.code).toBe(0);
  expect(rr.lines).toEqual([
    `newest complete backup under ${local.destination}/: ${TS}`,
    `backup ${TS}: 1 collection(s) from 3 peer(s), Qdrant 1.19.0`,
    `checked 3 file(s), ${bytes[0].length + bytes[1].length + bytes[2].length} bytes: every sha256 matches the manifest`,
    'collection "documents": deleted: it holds 0 point(s) and has shard_number 3, the backup 1, so it could not take the backup\'s snapshots',
    'collection "documents": created from the manifest\'s configuration (shard_number 1, 3 payload index(es))',
    'collection "documents": shard 0 moved from peer 1 to peer 2, as in the backup',
    ...[0, 1, 2].map((n) => `collection "documents" peer ${n}: restored from ${local.destination}/${TS}/${file(n)}`),
    'collection "documents": points_count 40 matches the manifest',
    `restore of backup ${TS} complete: 1 collection(s)`,
  ]);
  expect(infos(peers[0])).toEqual(before);
  expect(peers.map((q) => q.state.localShards("documents"))).toEqual([[], [], [0]]);
  for (const n of [0, 1, 2]) {
    expect(peers[n].uploads.map((u) => [u.collection, sha256(u.bytes)])).toEqual([["documents", sha256(bytes[n])]]);
    // Each uploaded file is deleted from the peer's disk once the collection is recovered.
    const upload = `qdrant-restore-${TS}-peer-${n}.snapshot`;
    expect(peers[n].writes().slice(-2).map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([
      `POST /collections/documents/snapshots/upload 200`,
      `DELETE /collections/documents/snapshots/${upload} 200`,
    ]);
    expect(peers[n].state.listSnapshots("documents")).toEqual([]);
  }
  expect(peers[0].writes().map(brief)).toEqual([
    "DELETE /collections/documents",
    "PUT /collections/documents",
    ...["document_id", "tenant", "upload_timestamp"].map(() => "PUT /collections/documents/index"),
    "POST /collections/documents/cluster",
    "POST /collections/documents/snapshots/upload",
    `DELETE /collections/documents/snapshots/qdrant-restore-${TS}-peer-0.snapshot`,
  ]);
  for (const q of peers) expect(q.violations).toEqual([]);
});

it("restores a replicated collection one peer at a time, waiting each time until Qdrant has copied the other replicas again", async () => {
  // Replication factor 2: each shard on two peers. Recovering a snapshot with priority=snapshot, Qdrant sets the
  // shard's other replica Dead and copies it again from the restored one (recover.rs, sync_local_state); the next
  // peer's snapshot must not go in while that runs, and the restore is not complete before it ends.
  const cluster = await startQdrantCluster(3, { version: "1.19", snapshotPaddingBytes: 4 << 10 });
  try {
    await call(cluster[0], "PUT", "/collections/chats", { vectors: { size: 4, distance: "Dot" }, shard_number: 3, replication_factor: 2 });
    cluster[0].state.addPoints("chats", 30);
    const placement = cluster.map((q) => q.state.localShards("chats"));
    expect(placement.flat().sort()).toEqual([0, 0, 1, 1, 2, 2]);
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: cluster.map((q) => q.url).join(" "), BACKUP_DESTINATION: store.destination };
    const backup = await runBackup({ ...env, BACKUP_TIMESTAMP: TS });
    expect(backup.errorLines).toEqual([]);

    cluster[0].state.delete("chats");
    const r = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    const steps = r.lines.filter((l) => / peer \d: restored from |replica/.test(l));
    expect(steps).toEqual(
      [0, 1, 2].flatMap((n) => [
        expect.stringMatching(new RegExp(`^collection "chats" peer ${n}: restored from `)),
        expect.stringMatching(/^collection "chats": Qdrant copies the other replicas of the shards just restored again; waiting \(peer \d: [1-9] transfer\(s\), \d replica\(s\) not Active.*\)$/),
        expect.stringMatching(/^collection "chats": every replica Active again after \d+s$/),
      ]),
    );
    expect(r.lines.at(-1)).toBe(`restore of backup ${TS} complete: 1 collection(s)`);
    // No snapshot went in while replicas were being copied, and at the end none is.
    expect(cluster.map((q) => q.state.uploadsDuringTransfers)).toEqual([0, 0, 0]);
    for (const q of cluster) {
      const info = q.state.clusterInfo("chats") as { shard_transfers: unknown[]; local_shards: { state: string }[] };
      expect(info.shard_transfers).toEqual([]);
      expect(info.local_shards.map((s) => s.state)).toEqual(info.local_shards.map(() => "Active"));
    }
    expect(cluster.map((q) => q.state.localShards("chats"))).toEqual(placement);
    for (const q of cluster) expect(q.violations).toEqual([]);
  } finally {
    await Promise.all(cluster.map((q) => q.close()));
  }
});

it("puts back three replicas of a shard one transfer at a time, with the backup's replication factor", async () => {
  // The backup had every shard on all three peers; the init Job recreated the collection with one replica each.
  // Qdrant refuses a second transfer of a shard while one runs; and a snapshot recovered with priority=snapshot keeps
  // only replication_factor - 1 other replicas, so the factor must be the backup's before the uploads.
  const cluster = await startQdrantCluster(3, { version: "1.19", snapshotPaddingBytes: 4 << 10 });
  try {
    const config = { vectors: { size: 4, distance: "Dot" }, shard_number: 1 };
    await call(cluster[0], "PUT", "/collections/logs", { ...config, replication_factor: 3 });
    cluster[0].state.addPoints("logs", 12);
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: cluster.map((q) => q.url).join(" "), BACKUP_DESTINATION: store.destination };
    expect((await runBackup({ ...env, BACKUP_TIMESTAMP: TS })).errorLines).toEqual([]);
    cluster[0].state.delete("logs");
    await call(cluster[0], "PUT", "/collections/logs", { ...config, replication_factor: 1 });
    const [holder] = cluster.flatMap((q, o) => (q.state.localShards("logs").length > 0 ? [o] : []));

    const r = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    const others = [0, 1, 2].filter((o) => o !== holder);
    expect(r.lines).toContain('collection "logs": replication_factor 1 -> 3, as in the backup (so the snapshots keep its replicas)');
    expect(r.lines.filter((l) => l.includes("replicated"))).toEqual(others.map((o) => `collection "logs": shard 0 replicated to peer ${o}, as in the backup`));
    expect(cluster.map((q) => q.state.localShards("logs"))).toEqual([[0], [0], [0]]);
    for (const q of cluster) expect(q.violations).toEqual([]);
  } finally {
    await Promise.all(cluster.map((q) => q.close()));
  }
});
