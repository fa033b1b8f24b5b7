/**
 * lib/backup/qdrant-restore.sh, run for real with bash, curl, jq and Debian's AWS CLI v2 against s3rver on loopback and
 * the Qdrant stand-in. Backups are made by qdrant-backup.sh to a directory (fast) and copied where a test needs S3.
 * The full backup, wipe and restore drill is in qdrant-backup.test.ts; cluster mode in qdrant-backup-cluster.test.ts.
 */
import { startQdrantStandin, type QdrantStandin, type QdrantVersion } from "../support/qdrant-standin";
import { requireAwsCli, startS3Server, type S3Server } from "../support/s3-server";
import { backupPerVersion, baseEnv, cleanupTempDirs, copyStore, fileStore, infos, readManifest, runRestore, s3Store, seed, sha256, type Store } from "../support/backup-fixtures";

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
  expect(s3.requests.filter((x) => x.method === "GET" && x.key !== "")).toEqual([
    { method: "GET", key: `subset/${TS}/manifest.json` },
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

  const back = await runRestore({ ...env, RESTORE_TIMESTAMP: TS, RESTORE_COLLECTIONS: "documents" });
  expect(back.code).toBe(0);
  expect(back.lines).toContain(`collection "documents": replaced from ${local.destination}/${TS}/documents/snapshot_${TS}.snapshot`);
  expect(q.state.info("documents")).toEqual(before.documents);
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

it("lists every input problem at once and exits 2", async () => {
  const r = await runRestore({
    PATH: "/usr/bin:/bin",
    QDRANT_PEER_URLS: "qdrant:6333",
    BACKUP_DESTINATION: "gs://bucket/x",
    SCRATCH_DIR: "/nonexistent",
    RESTORE_TIMESTAMP: "yesterday",
    RESTORE_TARGET_SUFFIX: "/x",
    SNAPSHOT_TIMEOUT_SECONDS: "soon",
  });
  expect(r.code).toBe(2);
  expect(r.errorLines).toEqual([
    'qdrant-restore: error: QDRANT_PEER_URLS entry 0 must be an http:// or https:// URL, got "qdrant:6333"',
    'qdrant-restore: error: BACKUP_DESTINATION must be s3://<bucket>/<prefix> or file:///<absolute directory>, got "gs://bucket/x"',
    'qdrant-restore: error: SCRATCH_DIR "/nonexistent" is not a writable directory',
    'qdrant-restore: error: RESTORE_TIMESTAMP must be YYYYMMDD_HHMMSS or latest, got "yesterday"',
    'qdrant-restore: error: RESTORE_TARGET_SUFFIX may hold only letters, digits, _ and -, got "/x"',
    'qdrant-restore: error: SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got "soon"',
  ]);
  const none = await runRestore({ PATH: "/usr/bin:/bin" });
  expect(none.errorLines).toEqual([
    "qdrant-restore: error: QDRANT_PEER_URLS is required: space-separated base URLs, one per peer in ordinal order (e.g. http://acme-qdrant-0.acme-qdrant-headless:6333)",
    "qdrant-restore: error: BACKUP_DESTINATION is required: s3://<bucket>/<prefix> or file:///<directory>",
    "qdrant-restore: error: SCRATCH_DIR is required: a writable directory for the downloaded backup",
    "qdrant-restore: error: RESTORE_TIMESTAMP is required: a backup's YYYYMMDD_HHMMSS, or latest",
  ]);
});
