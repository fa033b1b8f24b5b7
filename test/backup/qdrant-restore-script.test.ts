/**
 * lib/backup/qdrant-restore.sh, run for real with bash, curl, jq and Debian's AWS CLI v2 against s3rver on loopback and
 * the Qdrant stand-in. Backups are made by qdrant-backup.sh to a directory (fast) and copied where a test needs S3.
 * The full backup, wipe and restore drill is in qdrant-backup.test.ts; cluster mode in qdrant-backup-cluster.test.ts.
 */
import { startQdrantStandin, type QdrantStandin, type QdrantVersion } from "../support/qdrant-standin";
import { requireAwsCli, startS3Server, type S3Server } from "../support/s3-server";
import * as fs from "node:fs";
import * as path from "node:path";
import { backupPerVersion, baseEnv, call, cleanupTempDirs, COLLECTIONS, copyStore, fileStore, infos, readManifest, runBackup, runRestore, s3Store, seed, sha256, type Store } from "../support/backup-fixtures";

// The AWS CLI costs about a second of CPU a call: on a busy machine a test with several calls needs more than the default.
jest.setTimeout(180_000);

const TS = "20250301_020000";
let s3: S3Server;
const standins: QdrantStandin[] = [];
/** One backup per Qdrant version, made once; each test restores from its own copy. */
let backups = {} as Record<QdrantVersion, Store>;

beforeAll(async () => {
  requireAwsCli();
  s3 = await startS3Server();
  backups = await backupPerVersion(TS);
});
afterEach(async () => {
  await Promise.all(standins.splice(0).map((q) => q.close()));
});
afterAll(async () => {
  await s3?.close();
  cleanupTempDirs();
});

/** A Qdrant stand-in holding what the backup holds, and a copy of that backup (named TS) in a new directory. */
async function backedUp(version: QdrantVersion = "1.19"): Promise<{ q: QdrantStandin; store: Store; env: Record<string, string> }> {
  const q = await startQdrantStandin({ version, snapshotPaddingBytes: 4096 });
  standins.push(q);
  await seed(q);
  const store = fileStore();
  await copyStore(backups[version], store);
  return { q, store, env: { ...baseEnv(s3), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination } };
}

async function editManifest(store: Store, edit: (m: Record<string, any>) => void): Promise<void> {
  const m = (await readManifest(store, TS)) as Record<string, any>;
  edit(m);
  await store.put(`${TS}/manifest.json`, JSON.stringify(m));
}

it("checks every file in S3 against the manifest before touching Qdrant, and restores nothing on a mismatch", async () => {
  const { q, store: local, env } = await backedUp();
  const store = s3Store(s3, "tampered");
  await copyStore(local, store);
  await store.put("20250302_020000/documents/snapshot_20250302_020000.snapshot", "a newer backup that never finished");
  const doc = `${TS}/documents/snapshot_${TS}.snapshot`;
  const conv = `${TS}/conversations/snapshot_${TS}.snapshot`;
  const good = { doc: await store.get(doc), conv: await store.get(conv) };
  const flipped = Buffer.from(good.doc);
  flipped[100] ^= 1;
  await store.put(doc, flipped);
  await store.put(conv, good.conv.subarray(0, 1000));
  const manifest = await readManifest(store, TS);

  const r = await runRestore({ ...env, BACKUP_DESTINATION: store.destination, RESTORE_TIMESTAMP: "latest" });
  expect(r.code).toBe(1);
  expect(r.lines).toEqual([`newest complete backup under ${store.destination}/: ${TS}`, `backup ${TS}: 2 collection(s) from 1 peer(s), Qdrant 1.19.0`]);
  const [c, d] = [manifest.collections.conversations.files[0], manifest.collections.documents.files[0]];
  expect(r.errorLines).toEqual([
    `qdrant-restore: error: ${store.destination}/${conv}: sha256 ${sha256(good.conv.subarray(0, 1000))} (1000 bytes) but the manifest says ${c.sha256} (${c.size} bytes)`,
    `qdrant-restore: error: ${store.destination}/${doc}: sha256 ${sha256(flipped)} (${d.size} bytes) but the manifest says ${d.sha256} (${d.size} bytes)`,
    `qdrant-restore: error: 2 file(s) of backup ${TS} do not match its manifest; nothing was restored`,
  ]);
  expect(q.requests.map((x) => `${x.method} ${x.path}`)).toEqual(["GET /cluster", "GET /"]);
  expect(q.uploads).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("restores chosen collections under another name (downloading only theirs from S3), and replaces an existing collection's data", async () => {
  const { q, store: local, env } = await backedUp("1.13");
  const store = s3Store(s3, "subset");
  await copyStore(local, store);
  const before = infos(q);
  q.state.addPoints("documents", 7); // written after the backup
  s3.requests.splice(0);

  const copy = await runRestore({ ...env, BACKUP_DESTINATION: store.destination, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "documents", RESTORE_TARGET_SUFFIX: "_copy" });
  expect(copy.errorLines).toEqual([]);
  expect(copy.code).toBe(0);
  // The manifest, then the chosen collection's file twice: read through sha256sum (nothing kept) before anything is
  // written to Qdrant, then downloaded for its upload.
  expect(s3.requests.filter((x) => x.method === "GET" && x.key !== "")).toEqual([
    { method: "GET", key: `subset/${TS}/manifest.json` },
    { method: "GET", key: `subset/${TS}/documents/snapshot_${TS}.snapshot` },
    { method: "GET", key: `subset/${TS}/documents/snapshot_${TS}.snapshot` },
  ]);
  expect(copy.lines.slice(1)).toEqual([
    `checked 1 file(s), ${(await store.get(`${TS}/documents/snapshot_${TS}.snapshot`)).length} bytes: every sha256 matches the manifest`,
    `collection "documents_copy": created from ${store.destination}/${TS}/documents/snapshot_${TS}.snapshot`,
    'collection "documents_copy": points_count 120 matches the manifest',
    `restore of backup ${TS} complete: 1 collection(s) (as <name>_copy)`,
  ]);
  expect(q.state.info("documents_copy")).toEqual(before.documents);
  expect(q.state.info("documents").points_count).toBe(127); // untouched
  expect(q.state.info("conversations")).toEqual(before.conversations);

  // As after a disaster where the init Job recreated the collection: it lacks an index a client had made. Qdrant keeps
  // an existing collection's own indexes when a snapshot goes in (recover.rs), so the restore adds the backup's.
  delete (q.state.collections.get("documents") as { payloadSchema: Record<string, unknown> }).payloadSchema.tenant;
  const back = await runRestore({ ...env, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "documents" });
  expect(back.code).toBe(0);
  expect(back.lines).toContain(`collection "documents": replaced from ${local.destination}/${TS}/documents/snapshot_${TS}.snapshot`);
  expect(back.lines).toContain(`collection "documents": added 1 payload index(es) from the backup (Qdrant keeps an existing collection's own)`);
  expect(q.state.info("documents")).toEqual(before.documents);
  // Qdrant keeps every uploaded file in the collection's snapshot folder; the restore deletes each one.
  expect(q.writes().filter((w) => w.method === "DELETE").map((w) => w.path)).toEqual([
    `/collections/documents_copy/snapshots/qdrant-restore-${TS}-peer-0.snapshot`,
    `/collections/documents/snapshots/qdrant-restore-${TS}-peer-0.snapshot`,
  ]);
  expect([...q.state.snapshots.values()].flat()).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("streams from S3 one snapshot at a time: the scratch space never holds more than the largest snapshot (measured whenever S3 or Qdrant gets a request)", async () => {
  const q = await startQdrantStandin({ version: "1.19", snapshotPaddingBytes: 1 << 20 });
  standins.push(q);
  await seed(q);
  const local = fileStore();
  const made = await runBackup({ ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: local.destination, BACKUP_TIMESTAMP: TS });
  expect(made.code).toBe(0);
  const store = s3Store(s3, "streamed");
  await copyStore(local, store);
  const sizes = Object.values((await readManifest(store, TS)).collections).map((c) => c.files[0].size);
  const largest = Math.max(...sizes);
  const before = infos(q);
  for (const c of [...q.state.collections.keys()]) q.state.delete(c);

  const env: Record<string, string> = { ...baseEnv(s3), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, RESTORE_TIMESTAMP: TS };
  const held = () => {
    let bytes = 0;
    for (const f of fs.readdirSync(env.SCRATCH_DIR, { recursive: true }) as string[]) {
      try {
        const st = fs.statSync(path.join(env.SCRATCH_DIR, f));
        if (st.isFile()) bytes += st.size;
      } catch {
        // removed while counting
      }
    }
    return bytes;
  };
  const seen: number[] = [];
  s3.onRequest(() => seen.push(held()));
  q.onRequest(() => seen.push(held()));
  try {
    const r = await runRestore(env);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
  } finally {
    s3.onRequest(undefined);
    q.onRequest(undefined);
  }
  expect(infos(q)).toEqual(before);
  // Each upload reached Qdrant with its whole file in the scratch space (so the measure sees it), and never more
  // than that file plus the work files (the manifest, listings: a few KiB). All at once would be ${sizes.join(" + ")}.
  expect(Math.max(...seen)).toBeGreaterThanOrEqual(largest);
  expect(Math.max(...seen)).toBeLessThan(largest + (64 << 10));
  expect(Math.max(...seen)).toBeLessThan(sizes[0] + sizes[1]);
  expect([...q.state.snapshots.values()].flat()).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("recreates an empty collection whose shard count the backup does not share, and refuses one holding points unless RESTORE_REPLACE_INCOMPATIBLE is true", async () => {
  const { q, env } = await backedUp();
  const before = infos(q);
  // The init Job recreated "documents" with another shard count; nothing is in it yet.
  q.state.delete("documents");
  await call(q, "PUT", "/collections/documents", { ...COLLECTIONS.documents.config, shard_number: 2 });
  q.clearRequests();
  const empty = await runRestore({ ...env, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "documents" });
  expect(empty.errorLines).toEqual([]);
  expect(empty.code).toBe(0);
  expect(empty.lines.slice(2, 4)).toEqual([
    'collection "documents": deleted: it holds 0 point(s) and has shard_number 2, the backup 1, so it could not take the backup\'s snapshots',
    `collection "documents": created from ${env.BACKUP_DESTINATION}/${TS}/documents/snapshot_${TS}.snapshot`,
  ]);
  expect(q.state.info("documents")).toEqual(before.documents);

  // Now it holds points and has another shard count: nothing is written without the explicit input.
  q.state.delete("documents");
  await call(q, "PUT", "/collections/documents", { ...COLLECTIONS.documents.config, shard_number: 2 });
  q.state.addPoints("documents", 5);
  q.clearRequests();
  const refused = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
  expect(refused.code).toBe(1);
  expect(refused.errorLines).toEqual([
    'qdrant-restore: error: collection "documents" holds 5 point(s) and has shard_number 2, the backup 1: Qdrant refuses a snapshot whose shard_number or vectors differ, so the collection would have to be deleted first; set RESTORE_REPLACE_INCOMPATIBLE=true to delete it and recreate it from the backup',
    "qdrant-restore: error: nothing was restored: 1 collection(s) hold points and cannot take the backup's snapshots",
  ]);
  expect(q.writes()).toEqual([]);
  expect(q.state.info("documents").points_count).toBe(5);

  const replaced = await runRestore({ ...env, RESTORE_TIMESTAMP: TS, RESTORE_REPLACE_INCOMPATIBLE: "true" });
  expect(replaced.errorLines).toEqual([]);
  expect(replaced.code).toBe(0);
  expect(replaced.lines).toContain('collection "documents": deleted: it holds 5 point(s) and has shard_number 2, the backup 1, so it could not take the backup\'s snapshots');
  expect(infos(q)).toEqual(before);
  expect([...q.state.snapshots.values()].flat()).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("reports a points_count that differs from the manifest, and accepts one within the counts seen while the backup ran", async () => {
  const { q, store, env } = await backedUp();
  await editManifest(store, (m) => {
    m.collections.documents.points_count = 121;
    m.collections.documents.points_count_after = 121;
    m.collections.conversations.points_count = 30;
    m.collections.conversations.points_count_after = 40;
  });
  const r = await runRestore({ ...env, RESTORE_TIMESTAMP: "latest" });
  expect(r.code).toBe(1);
  expect(r.lines).toContain('collection "conversations": points_count 35 is within 30..40, the counts while the backup ran (points were written meanwhile)');
  expect(r.errorLines).toEqual([
    'qdrant-restore: error: collection "documents": points_count is 120 after the restore but 121 in the manifest',
    `qdrant-restore: error: restore of backup ${TS} finished, but 1 collection(s) have another points_count than the manifest`,
  ]);
  expect(q.violations).toEqual([]);
});

it("restores once per request: a Job created again for the same RESTORE_REQUEST_ID (deleted by hand, then applied) writes nothing, a new request restores", async () => {
  const { q, store, env } = await backedUp();
  const run = (request: string) => runRestore({ ...env, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "conversations", RESTORE_REQUEST_ID: request });
  const first = await run("2b7c0e4a-5d1f-4c2e-9a8b-000000000001");
  expect([first.code, first.errorLines]).toEqual([0, []]);
  const record = JSON.parse((await store.get("restores/2b7c0e4a-5d1f-4c2e-9a8b-000000000001.json")).toString());
  expect(record).toEqual({ request: "2b7c0e4a-5d1f-4c2e-9a8b-000000000001", backup: TS, completed: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), collections: ["conversations"] });

  // Written since the restore: a second run of the same request must not overwrite it.
  await call(q, "PUT", "/collections/conversations/points?wait=true", { points: [{ id: 999, vector: Array(COLLECTIONS.conversations.config.vectors.size).fill(0.5), payload: {} }] });
  const after = infos(q);
  q.clearRequests();
  const again = await run("2b7c0e4a-5d1f-4c2e-9a8b-000000000001");
  expect([again.code, again.errorLines]).toEqual([0, []]);
  expect(again.lines).toEqual([
    `restore request 2b7c0e4a-5d1f-4c2e-9a8b-000000000001 completed before (backup ${TS}, ${record.completed}): nothing restored again. This Job was created again for the same request (deleted by hand, then applied?); to restore again, remove backupRestoreTimestamp, apply, set it and apply`,
  ]);
  expect(q.writes()).toEqual([]);
  expect(infos(q)).toEqual(after);

  // The same request naming another backup (Terraform gives a new timestamp a new id; the script checks too).
  const TS2 = "20250302_020000";
  for (const rel of (await store.list()).filter((f) => f.startsWith(`${TS}/`))) await store.put(rel.replace(TS, TS2), await store.get(rel));
  const named = await runRestore({ ...env, RESTORE_TIMESTAMP: TS2, RESTORE_COLLECTIONS: "conversations", RESTORE_REQUEST_ID: "2b7c0e4a-5d1f-4c2e-9a8b-000000000001" });
  expect([named.code, named.errorLines, named.lines.at(-1)]).toEqual([0, [], `restore of backup ${TS2} complete: 1 collection(s)`]);

  const other = await run("2b7c0e4a-5d1f-4c2e-9a8b-000000000002");
  expect([other.code, other.errorLines, other.lines.at(-1)]).toEqual([0, [], "restore of backup " + TS + " complete: 1 collection(s)"]);
  expect(q.writes().map((w) => `${w.method} ${w.path}`)).toContain("POST /collections/conversations/snapshots/upload");
  expect(await store.list()).toEqual(expect.arrayContaining(["restores/2b7c0e4a-5d1f-4c2e-9a8b-000000000002.json"]));
  expect(q.violations).toEqual([]);
});

it("warns when the backup comes from another Qdrant version", async () => {
  const { store, env } = await backedUp("1.13");
  const q = await startQdrantStandin({ version: "1.19" });
  standins.push(q);
  const r = await runRestore({ ...env, QDRANT_PEER_URLS: q.url, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "conversations" });
  expect(r.code).toBe(0);
  expect(r.errorLines).toEqual([
    `qdrant-restore: warning: backup ${TS} was taken with Qdrant 1.13.2; restoring into Qdrant 1.19.0 (Qdrant recovers snapshots from the same or the previous minor version)`,
  ]);
  expect(store.destination).toMatch(/^file:/);
  expect(q.violations).toEqual([]);
});

it("stops at a failed upload, naming the request and Qdrant's error", async () => {
  const { q, env } = await backedUp();
  q.failNext("POST", /^\/collections\/documents\/snapshots\/upload$/, 500, "Service internal error: No space left on device");
  const r = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
  expect(r.code).toBe(1);
  expect(r.errorLines).toEqual([
    expect.stringMatching(
      new RegExp(`^qdrant-restore: error: POST /collections/documents/snapshots/upload\\?priority=snapshot&checksum=[0-9a-f]{64} \\(${q.url}\\) answered HTTP 500: Service internal error: No space left on device$`),
    ),
  ]);
  expect(q.violations).toEqual([]);
});

it("says which backups exist when the one asked for is missing, incomplete or has no such collection", async () => {
  const { q, store, env } = await backedUp();
  await store.put("20250302_020000/documents/snapshot_20250302_020000.snapshot", "unfinished");

  const missing = await runRestore({ ...env, RESTORE_TIMESTAMP: "20250101_000000" });
  expect(missing.code).toBe(1);
  expect(missing.errorLines).toEqual([`qdrant-restore: error: no backup 20250101_000000 under ${store.destination}/; complete backups (newest last): ${TS}`]);

  const incomplete = await runRestore({ ...env, RESTORE_TIMESTAMP: "20250302_020000" });
  expect(incomplete.code).toBe(1);
  expect(incomplete.errorLines).toEqual([
    `qdrant-restore: error: backup 20250302_020000 at ${store.destination}/20250302_020000/ is incomplete (no manifest.json: that run failed or is still running); complete backups: ${TS}`,
  ]);

  const unknown = await runRestore({ ...env, RESTORE_TIMESTAMP: "latest", RESTORE_COLLECTIONS: "documents docs chats" });
  expect(unknown.code).toBe(2);
  expect(unknown.errorLines).toEqual([`qdrant-restore: error: RESTORE_COLLECTIONS names collection(s) not in backup ${TS}: docs chats (the backup has: conversations documents)`]);

  const empty = await runRestore({ ...env, BACKUP_DESTINATION: fileStore().destination, RESTORE_TIMESTAMP: "latest" });
  expect(empty.code).toBe(1);
  expect(empty.errorLines).toEqual([expect.stringMatching(/^qdrant-restore: error: no complete backup \(one with manifest.json\) under file:\/\/.+\/ \(0 incomplete\)$/)]);
  expect(q.writes()).toEqual([]);
});

it("keeps the AWS CLI's own words when S3 refuses", async () => {
  const r = await runRestore({ ...baseEnv(s3), QDRANT_PEER_URLS: "http://127.0.0.1:9", BACKUP_DESTINATION: "s3://no-such-bucket/x", RESTORE_TIMESTAMP: "latest" });
  expect(r.code).toBe(1);
  expect(r.errorLines).toEqual([expect.stringMatching(/^qdrant-restore: error: listing s3:\/\/no-such-bucket\/x\/ failed: .*NoSuchBucket.*$/)]);
});

it("lists every input problem at once and exits 2", async () => {
  const r = await runRestore({
    PATH: "/usr/bin:/bin",
    QDRANT_PEER_URLS: "qdrant:6333",
    BACKUP_DESTINATION: "gs://bucket/x",
    SCRATCH_DIR: "/nonexistent",
    RESTORE_TIMESTAMP: "yesterday",
    RESTORE_TARGET_SUFFIX: "/x",
    RESTORE_REPLACE_INCOMPATIBLE: "yes",
    SNAPSHOT_TIMEOUT_SECONDS: "soon",
    TRANSFER_MIN_MIB_PER_SECOND: "0",
    POLL_INTERVAL_SECONDS: "0.0",
  });
  expect(r.code).toBe(2);
  expect(r.errorLines).toEqual([
    'qdrant-restore: error: QDRANT_PEER_URLS entry 0 must be an http:// or https:// URL, got "qdrant:6333"',
    'qdrant-restore: error: BACKUP_DESTINATION must be s3://<bucket>/<prefix> or file:///<absolute directory>, got "gs://bucket/x"',
    'qdrant-restore: error: SCRATCH_DIR "/nonexistent" is not a writable directory',
    'qdrant-restore: error: RESTORE_TIMESTAMP must be YYYYMMDD_HHMMSS or latest, got "yesterday"',
    'qdrant-restore: error: RESTORE_TARGET_SUFFIX may hold only letters, digits, _ and -, got "/x"',
    'qdrant-restore: error: RESTORE_REPLACE_INCOMPATIBLE must be true or false, got "yes"',
    'qdrant-restore: error: SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got "soon"',
    'qdrant-restore: error: TRANSFER_MIN_MIB_PER_SECOND must be a whole number >= 1, got "0"',
    'qdrant-restore: error: POLL_INTERVAL_SECONDS must be a number of seconds above 0, got "0.0"',
  ]);
  const none = await runRestore({ PATH: "/usr/bin:/bin" });
  expect(none.errorLines).toEqual([
    "qdrant-restore: error: QDRANT_PEER_URLS is required: space-separated base URLs, one per peer in ordinal order (e.g. http://acme-qdrant-0.acme-qdrant-headless:6333)",
    "qdrant-restore: error: BACKUP_DESTINATION is required: s3://<bucket>/<prefix> or file:///<directory>",
    "qdrant-restore: error: SCRATCH_DIR is required: a writable directory for one snapshot at a time",
    "qdrant-restore: error: RESTORE_TIMESTAMP is required: a backup's YYYYMMDD_HHMMSS, or latest",
  ]);
});
