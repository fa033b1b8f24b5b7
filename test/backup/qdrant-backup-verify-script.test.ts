/**
 * lib/backup/qdrant-backup-verify.sh (which sources the restore's steps, lib/shell/restore-steps.sh), run for real with
 * bash, curl and jq against the Qdrant stand-in, on backups that qdrant-backup.sh wrote to a directory (the S3 path is
 * the restore's, tested in qdrant-restore-script.test.ts).
 */
import { startQdrantStandin, type QdrantStandin, type QdrantVersion } from "../support/qdrant-standin";
import { backupPerVersion, baseEnv, cleanupTempDirs, copyStore, fileStore, infos, readManifest, runVerify, seed, type Store } from "../support/backup-fixtures";

// Two backups are made before the tests: on a busy machine that takes longer than the default.
jest.setTimeout(120_000);

const TS = "20250301_020000";
const standins: QdrantStandin[] = [];
/** One backup per Qdrant version, made once; each test verifies its own copy. */
let backups = {} as Record<QdrantVersion, Store>;

beforeAll(async () => {
  backups = await backupPerVersion(TS);
});
afterEach(async () => {
  await Promise.all(standins.splice(0).map((q) => q.close()));
});
afterAll(cleanupTempDirs);

/** A Qdrant stand-in holding what the backup holds, and a copy of that backup (named TS) in a new directory. */
async function backedUp(version: QdrantVersion): Promise<{ q: QdrantStandin; store: Store; env: Record<string, string> }> {
  const q = await startQdrantStandin({ version, snapshotPaddingBytes: 4096 });
  standins.push(q);
  await seed(q);
  const store = fileStore();
  await copyStore(backups[version], store);
  return { q, store, env: { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination } };
}

const scratchNames = (q: QdrantStandin) => [...q.state.collections.keys()].filter((c) => c.endsWith("_restore_check"));

describe.each(["1.13", "1.19"] as const)("against Qdrant %s", (version) => {
  it("passes on a good backup, and deletes its scratch collections (and one an earlier run left behind)", async () => {
    const { q, store, env } = await backedUp(version);
    q.state.create("documents_restore_check", { vectors: { size: 2, distance: "Dot" } }); // a killed run's leftover
    const before = infos(q);
    const r = await runVerify(env);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    const from = (c: string) => `${store.destination}/${TS}/${c}/snapshot_${TS}.snapshot`;
    expect(r.lines).toEqual([
      `newest complete backup under ${store.destination}/: ${TS}`,
      `backup ${TS}: 2 collection(s) from 1 peer(s), Qdrant ${version}.${version === "1.13" ? 2 : 0}`,
      'deleted scratch collection "documents_restore_check" (left over from an earlier run)',
      expect.stringMatching(/^checked 2 file\(s\), \d+ bytes: every sha256 matches the manifest$/),
      `collection "conversations_restore_check": created from ${from("conversations")}`,
      `collection "documents_restore_check": created from ${from("documents")}`,
      'collection "conversations_restore_check": points_count 35 matches the manifest',
      'collection "conversations_restore_check": config and payload indexes match the manifest',
      'collection "documents_restore_check": points_count 120 matches the manifest',
      'collection "documents_restore_check": config and payload indexes match the manifest',
      'deleted scratch collection "conversations_restore_check"',
      'deleted scratch collection "documents_restore_check"',
      `backup ${TS} verified: 2 collection(s) restored as <name>_restore_check and matched the manifest`,
    ]);
    expect(q.uploads.map((u) => u.collection)).toEqual(["conversations_restore_check", "documents_restore_check"]);
    const { documents_restore_check: leftover, ...originals } = before as Record<string, unknown>;
    expect(leftover).toBeDefined();
    expect(infos(q)).toEqual(originals); // the real collections untouched, no scratch collection left
    expect(q.writes().filter((w) => w.path === "/collections/documents" || w.path === "/collections/conversations")).toEqual([]);
    expect(q.violations).toEqual([]);
  });
});

it("fails naming every difference between a tampered manifest and the restored copies, and deletes the scratch collections", async () => {
  const { q, store, env } = await backedUp("1.19");
  const m = (await readManifest(store, TS)) as Record<string, any>;
  m.collections.documents.points_count = 121;
  m.collections.documents.points_count_after = 121;
  m.collections.documents.config.hnsw_config.m = 24;
  m.collections.documents.config.params.vectors.size = 1536;
  delete m.collections.documents.payload_schema.upload_timestamp;
  m.collections.conversations.config.params.on_disk_payload = true;
  m.collections.conversations.config.quantization_config = { scalar: { type: "int8" } };
  await store.put(`${TS}/manifest.json`, JSON.stringify(m));

  const r = await runVerify(env);
  expect(r.code).toBe(1);
  const prefix = "qdrant-backup-verify: error: collection";
  expect(r.errorLines).toEqual([
    `${prefix} "conversations_restore_check": config.params.on_disk_payload is true in the manifest but false in the restored copy`,
    `${prefix} "conversations_restore_check": config.quantization_config is {"scalar":{"type":"int8"}} in the manifest but not set in the restored copy`,
    `${prefix} "documents_restore_check": points_count is 120 after the restore but 121 in the manifest`,
    `${prefix} "documents_restore_check": config.params.vectors.size is 1536 in the manifest but 8 in the restored copy`,
    `${prefix} "documents_restore_check": config.hnsw_config.m is 24 in the manifest but 16 in the restored copy`,
    `${prefix} "documents_restore_check": payload_schema.upload_timestamp is not set in the manifest but {"data_type":"datetime"} in the restored copy`,
    `qdrant-backup-verify: error: backup ${TS} FAILED verification: 6 difference(s) between the restored copies and the manifest`,
  ]);
  expect(r.lines.slice(-2)).toEqual(['deleted scratch collection "conversations_restore_check"', 'deleted scratch collection "documents_restore_check"']);
  expect(scratchNames(q)).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("deletes the scratch collections when the restore fails half-way", async () => {
  const { q, env } = await backedUp("1.19");
  q.failNext("POST", /^\/collections\/documents_restore_check\/snapshots\/upload$/, 500, "Service internal error: No space left on device");
  const r = await runVerify(env);
  expect(r.code).toBe(1);
  expect(r.errorLines).toEqual([expect.stringMatching(/^qdrant-backup-verify: error: POST \/collections\/documents_restore_check\/snapshots\/upload\?.* answered HTTP 500: Service internal error: No space left on device$/)]);
  expect(r.lines.slice(-1)).toEqual(['deleted scratch collection "conversations_restore_check"']);
  expect(scratchNames(q)).toEqual([]);
  expect(q.violations).toEqual([]);
});

it("fails before uploading anything when a file does not match the manifest", async () => {
  const { q, store, env } = await backedUp("1.19");
  await store.put(`${TS}/documents/snapshot_${TS}.snapshot`, "not the snapshot");
  const r = await runVerify(env);
  expect(r.code).toBe(1);
  expect(r.errorLines.at(-1)).toBe(`qdrant-backup-verify: error: 1 file(s) of backup ${TS} do not match its manifest; nothing was restored`);
  expect(q.writes()).toEqual([]);
});

it("refuses cluster backups and several peers (exit 2)", async () => {
  const { q, store, env } = await backedUp("1.19");
  const several = await runVerify({ ...env, QDRANT_PEER_URLS: `${q.url} http://127.0.0.1:9` });
  expect(several.code).toBe(2);
  expect(several.errorLines).toEqual(["qdrant-backup-verify: error: QDRANT_PEER_URLS lists 2 peers; backup verification supports single-node Qdrant only"]);

  const m = (await readManifest(store, TS)) as Record<string, any>;
  m.peer_count = 3;
  await store.put(`${TS}/manifest.json`, JSON.stringify(m));
  const cluster = await runVerify(env);
  expect(cluster.code).toBe(2);
  expect(cluster.errorLines).toEqual([`qdrant-backup-verify: error: backup ${TS} was taken from 3 peers; backup verification supports single-node backups only`]);
  expect(q.writes()).toEqual([]);
});
