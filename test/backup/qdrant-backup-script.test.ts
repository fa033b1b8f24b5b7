/**
 * lib/backup/qdrant-backup.sh (and, in the drill, qdrant-restore.sh), run for real with bash, curl, jq and Debian's
 * AWS CLI v2 against s3rver on loopback and the Qdrant stand-in (test/support/qdrant-standin.ts), which checks every
 * request against Qdrant's OpenAPI document of each version. Interrupted runs: qdrant-backup-interrupted-script.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { STANDIN_PEER_ID } from "../support/qdrant-model";
import type { QdrantVersion, RecordedRequest } from "../support/qdrant-standin";
import type { S3Server } from "../support/s3-server";
import {
  baseEnv,
  call,
  COLLECTIONS,
  fileStore,
  infos,
  readManifest,
  runBackup,
  runRestore,
  s3Store,
  scratchLeftovers,
  scriptTestServers,
  seed,
  sha256,
  stampDaysAgo,
  tempDir,
  type Store,
} from "../support/backup-fixtures";

// The AWS CLI costs about a second of CPU a call: on a busy machine a test with several calls needs more than the default.
jest.setTimeout(180_000);

const TS = "20250301_020000";
const snapshotName = (c: string, n: number) => `${c}-${STANDIN_PEER_ID}-2025-01-01-00-00-0${n}.snapshot`;
const brief = (r: RecordedRequest) => `${r.method} ${r.path}${Object.keys(r.query).length ? "?" + new URLSearchParams(r.query).toString() : ""} ${r.status}`;

const servers = scriptTestServers();
const standin = servers.standin;
let s3: S3Server;
beforeAll(() => void (s3 = servers.s3()));

describe.each([
  { version: "1.19" as QdrantVersion, kind: "s3" },
  { version: "1.13" as QdrantVersion, kind: "file" },
])("backup and restore drill against Qdrant $version, $kind:// destination", ({ version, kind }) => {
  it("backs up every collection and deletes the snapshots from Qdrant; a wiped Qdrant gets back the same bytes, config, payload indexes and points", async () => {
    const q = await standin({ version, snapshotPaddingBytes: 64 << 10 });
    await seed(q);
    const before = infos(q);
    const bytes = { conversations: q.state.serialize("conversations"), documents: q.state.serialize("documents") };
    const store: Store = kind === "s3" ? s3Store(s3, "qdrant-backups/acme-corp") : fileStore();
    const env = { ...baseEnv(s3), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination };
    const url = store.destination;

    const r = await runBackup({ ...env, BACKUP_TIMESTAMP: TS, QDRANT_VERSION: `v${version}.0` });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    const line = (c: "conversations" | "documents", n: number) =>
      `collection "${c}": snapshot ${snapshotName(c, n)} (${bytes[c].length} bytes, sha256 ${sha256(bytes[c])}) stored as ${url}/${TS}/${c}/snapshot_${TS}.snapshot`;
    expect(r.lines).toEqual([
      `backup ${TS}: 2 collection(s) on 1 peer (single node) to ${url}/${TS}/`,
      line("conversations", 1),
      line("documents", 2),
      `backup ${TS} complete: 2 collection(s), 2 snapshot file(s), ${bytes.conversations.length + bytes.documents.length} bytes; manifest ${url}/${TS}/manifest.json`,
    ]);

    // The layout, the bytes, and the manifest.
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/conversations/snapshot_${TS}.snapshot`, `${TS}/documents/snapshot_${TS}.snapshot`, `${TS}/manifest.json`]);
    // The run's log outlives its pod: every line it printed, and how it ended.
    const log = (await store.get(`${TS}/backup.log`)).toString().split("\n");
    expect(log[0]).toMatch(/^qdrant-backup: run started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(log.slice(1, -2)).toEqual(r.lines);
    expect(log.at(-2)).toMatch(/^qdrant-backup: run ended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ with exit status 0$/);
    expect((await store.get(`${TS}/conversations/snapshot_${TS}.snapshot`)).equals(bytes.conversations)).toBe(true);
    expect((await store.get(`${TS}/documents/snapshot_${TS}.snapshot`)).equals(bytes.documents)).toBe(true);
    const entry = (c: "conversations" | "documents") => {
      const info = before[c] as { config: unknown; points_count: number; payload_schema: Record<string, { points: number }> };
      return {
        config: info.config,
        payload_schema: Object.fromEntries(Object.entries(info.payload_schema).map(([k, v]) => [k, { ...v, points: undefined }])),
        points_count: info.points_count,
        points_count_after: info.points_count,
        files: [{ peer: 0, path: `${c}/snapshot_${TS}.snapshot`, size: bytes[c].length, sha256: sha256(bytes[c]) }],
      };
    };
    const manifest = await readManifest(store, TS);
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(
      JSON.parse(
        JSON.stringify({
          format: 1,
          timestamp: TS,
          completed_at: manifest.completed_at,
          qdrant_version: `v${version}.0`,
          qdrant_reported_version: `${version}.${version === "1.13" ? 2 : 0}`,
          peer_count: 1,
          collections: { conversations: entry("conversations"), documents: entry("documents") },
        }),
      ),
    );
    expect(manifest.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(manifest.collections.documents.config).toMatchObject({
      params: { vectors: { size: 8, distance: "Cosine" }, on_disk_payload: true },
      hnsw_config: { m: 16 },
      quantization_config: { scalar: { type: "int8", always_ram: true } },
    });

    // What Qdrant saw: read, snapshot, download, delete; nothing left on its disk.
    const snap = (c: string, n: number) => `/collections/${c}/snapshots/${snapshotName(c, n)}`;
    expect(q.requests.map(brief)).toEqual([
      "GET /cluster 200",
      "GET / 200",
      "GET /collections 200",
      "GET /collections/conversations 200",
      "GET /collections/conversations/snapshots 200",
      "POST /collections/conversations/snapshots?wait=true 200",
      `GET ${snap("conversations", 1)} 200`,
      `DELETE ${snap("conversations", 1)} 200`,
      "GET /collections/conversations 200",
      "GET /collections/documents 200",
      "GET /collections/documents/snapshots 200",
      "POST /collections/documents/snapshots?wait=true 200",
      `GET ${snap("documents", 2)} 200`,
      `DELETE ${snap("documents", 2)} 200`,
      "GET /collections/documents 200",
    ]);
    expect(q.state.listSnapshots("conversations")).toEqual([]);
    expect(q.state.listSnapshots("documents")).toEqual([]);
    expect(scratchLeftovers(env)).toEqual([]);

    // Disaster: every collection gone. Restore the newest complete backup.
    for (const c of [...q.state.collections.keys()]) q.state.delete(c);
    q.clearRequests();
    const rr = await runRestore({ ...env, RESTORE_TIMESTAMP: "latest" });
    expect(rr.errorLines).toEqual([]);
    expect(rr.code).toBe(0);
    expect(rr.lines).toEqual([
      `newest complete backup under ${url}/: ${TS}`,
      `backup ${TS}: 2 collection(s) from 1 peer(s), Qdrant v${version}.0`,
      `checked 2 file(s), ${bytes.conversations.length + bytes.documents.length} bytes: every sha256 matches the manifest`,
      `collection "conversations": created from ${url}/${TS}/conversations/snapshot_${TS}.snapshot`,
      `collection "documents": created from ${url}/${TS}/documents/snapshot_${TS}.snapshot`,
      `collection "conversations": points_count 35 matches the manifest`,
      `collection "documents": points_count 120 matches the manifest`,
      `restore of backup ${TS} complete: 2 collection(s)`,
    ]);
    expect(infos(q)).toEqual(before); // config, payload indexes (with their point counts), points_count
    expect(q.uploads.map((u) => [u.collection, sha256(u.bytes)])).toEqual([
      ["conversations", sha256(bytes.conversations)],
      ["documents", sha256(bytes.documents)],
    ]);
    // Each file goes up with its sha256 (Qdrant checks it) under a name of the restore's own, and the copy Qdrant keeps
    // in the collection's snapshot folder is deleted right after.
    const upload = `qdrant-restore-${TS}-peer-0.snapshot`;
    expect(q.writes().map((w) => ({ method: w.method, path: w.path, query: w.query, body: w.body, status: w.status }))).toEqual(
      (["conversations", "documents"] as const).flatMap((c) => [
        {
          method: "POST",
          path: `/collections/${c}/snapshots/upload`,
          query: { priority: "snapshot", checksum: sha256(bytes[c]) },
          body: { multipart: { snapshot: { filename: upload, bytes: bytes[c].length } } },
          status: 200,
        },
        { method: "DELETE", path: `/collections/${c}/snapshots/${upload}`, query: {}, body: undefined, status: 200 },
      ]),
    );
    expect(q.state.listSnapshots("conversations")).toEqual([]);
    expect(q.state.listSnapshots("documents")).toEqual([]);
    expect(q.violations).toEqual([]);
    expect(scratchLeftovers(env)).toEqual([]);
  });
});

describe("retention with BACKUP_PRUNE=true", () => {
  /** A fake backup: one snapshot file, and the manifest when complete. */
  async function fake(store: Store, ts: string, complete: boolean) {
    await store.put(`${ts}/documents/snapshot_${ts}.snapshot`, "x");
    if (complete) await store.put(`${ts}/manifest.json`, "{}");
  }

  it("deletes complete and incomplete backups older than the retention and keeps everything else (S3)", async () => {
    const q = await standin({ version: "1.19" });
    await seed(q, { names: ["documents"] });
    const store = s3Store(s3, "prune");
    const [c30, i20, c8, c6, i1] = [30, 20, 8, 6, 1].map((d) => stampDaysAgo(d + 0.01));
    await fake(store, c30, true);
    await fake(store, i20, false);
    await fake(store, c8, true);
    await fake(store, c6, true);
    await fake(store, i1, false);
    await store.put("notes.txt", "not a backup");
    await store.put("20250101/manifest.json", "not a backup name");
    const now = stampDaysAgo(0);

    const r = await runBackup({ ...baseEnv(s3), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: now, BACKUP_PRUNE: "true", BACKUP_RETENTION_DAYS: "7" });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(-4)).toEqual([
      `prune: deleting ${c30} (complete, 30 days old)`,
      `prune: deleting ${i20} (incomplete: no manifest, 20 days old)`,
      `prune: deleting ${c8} (complete, 8 days old)`,
      "prune: retention 7 days: deleted 3 backup(s), kept 3",
    ]);
    expect(await store.list()).toEqual([
      "20250101/manifest.json",
      `${c6}/documents/snapshot_${c6}.snapshot`,
      `${c6}/manifest.json`,
      `${i1}/documents/snapshot_${i1}.snapshot`,
      `${now}/backup.log`,
      `${now}/documents/snapshot_${now}.snapshot`,
      `${now}/manifest.json`,
      "notes.txt",
    ]);
  });

  it("never deletes the newest complete backup, even when it is older than the retention (file://)", async () => {
    const q = await standin({ version: "1.19" });
    await seed(q, { names: ["conversations"] });
    const store = fileStore();
    const [c40, i35, i10] = [40, 35, 10].map((d) => stampDaysAgo(d + 0.01));
    await fake(store, c40, true);
    await fake(store, i35, false);
    await fake(store, i10, false);
    const env = { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_RETENTION_DAYS: "7" };

    // Runs named 31 days in the past make complete backups that are already older than the retention.
    const older = stampDaysAgo(31.02);
    const unpruned = await runBackup({ ...env, BACKUP_TIMESTAMP: older, BACKUP_PRUNE: "false" });
    expect(unpruned.code).toBe(0);
    expect(unpruned.lines.filter((l) => l.startsWith("prune"))).toEqual([]);
    expect((await store.list()).length).toBe(7);

    const old = stampDaysAgo(31.01);
    const r = await runBackup({ ...env, BACKUP_TIMESTAMP: old, BACKUP_PRUNE: "true" });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(-6)).toEqual([
      `prune: deleting ${c40} (complete, 40 days old)`,
      `prune: deleting ${i35} (incomplete: no manifest, 35 days old)`,
      `prune: deleting ${older} (complete, 31 days old)`,
      `prune: keeping ${old} although it is 31 days old: it is the newest complete backup`,
      `prune: deleting ${i10} (incomplete: no manifest, 10 days old)`,
      "prune: retention 7 days: deleted 4 backup(s), kept 1",
    ]);
    expect(await store.list()).toEqual([`${old}/backup.log`, `${old}/conversations/snapshot_${old}.snapshot`, `${old}/manifest.json`]);
  });
});

describe("a Qdrant that lost its data (its backups are complete and empty)", () => {
  it("keeps the last backup with data past the retention, and latest restores it, skipping the empty ones: no collection, or only the empty ones the init Job recreated (file://)", async () => {
    const q = await standin({ version: "1.19" });
    await seed(q, { names: ["conversations"] });
    const before = infos(q);
    const store = fileStore();
    const env = { ...baseEnv(), BACKUP_DESTINATION: store.destination, BACKUP_RETENTION_DAYS: "7", BACKUP_PRUNE: "true" };
    const withData = stampDaysAgo(10.01);
    expect((await runBackup({ ...env, QDRANT_PEER_URLS: q.url, BACKUP_TIMESTAMP: withData, BACKUP_PRUNE: "false" })).code).toBe(0);

    // The volume is lost: Qdrant comes back empty, and the nightly backups go on.
    for (const c of [...q.state.collections.keys()]) q.state.delete(c);
    const [empty1, empty2] = [1.01, 0.01].map((d) => stampDaysAgo(d));
    const first = await runBackup({ ...env, QDRANT_PEER_URLS: q.url, BACKUP_TIMESTAMP: empty1 });
    expect(first.errorLines).toEqual(["qdrant-backup: warning: Qdrant has no collections; the backup holds only its manifest"]);
    // Then an apply runs the init Job, which creates the declared collection again, empty.
    await call(q, "PUT", "/collections/conversations", COLLECTIONS.conversations.config);
    const r = await runBackup({ ...env, QDRANT_PEER_URLS: q.url, BACKUP_TIMESTAMP: empty2 });
    expect([r.code, r.errorLines]).toEqual([0, []]);
    expect(r.lines.filter((l) => l.startsWith("prune"))).toEqual([
      `prune: keeping ${withData} although it is 10 days old: it is the newest complete backup that holds points, and ${empty2} holds none`,
      "prune: retention 7 days: deleted 0 backup(s), kept 3",
    ]);

    const rr = await runRestore({ ...env, QDRANT_PEER_URLS: q.url, RESTORE_TIMESTAMP: "latest" });
    expect(rr.errorLines).toEqual([
      `qdrant-restore: warning: skipping the newest complete backup(s) ${empty2} ${empty1}: they hold no points (taken of a Qdrant that had none, e.g. after its data was lost); name one in RESTORE_TIMESTAMP to restore it`,
    ]);
    expect(rr.code).toBe(0);
    expect(rr.lines[0]).toBe(`newest complete backup under ${store.destination}/: ${withData}`);
    expect(infos(q)).toEqual(before);
  });
});

describe("API key", () => {
  it("sends the key on every request, never in curl's arguments or the output (backup and restore)", async () => {
    const key = "k3y-With\"Quote\\AndBackslash";
    const q = await standin({ version: "1.19", apiKey: key, readOnlyApiKey: "k3y-read-only" });
    await seed(q, { apiKey: key });
    // A curl on PATH that logs its arguments (what `ps` would show), then runs the real one.
    const shimDir = tempDir("shim");
    const argsLog = path.join(shimDir, "args.log");
    fs.writeFileSync(path.join(shimDir, "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nexec /usr/bin/curl "$@"\n`, { mode: 0o755 });
    const store = fileStore();
    const env = { ...baseEnv(), PATH: `${shimDir}:/usr/bin:/bin`, QDRANT_API_KEY: key, QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS };

    const r = await runBackup(env);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    for (const c of [...q.state.collections.keys()]) q.state.delete(c);
    const rr = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
    expect(rr.errorLines).toEqual([]);
    expect(rr.code).toBe(0);

    expect(q.requests.length).toBeGreaterThan(15);
    expect(q.requests.filter((x) => x.headers["api-key"] !== key)).toEqual([]);
    expect(fs.readFileSync(argsLog, "utf8")).toContain("/snapshots/upload");
    expect(fs.readFileSync(argsLog, "utf8")).not.toContain("k3y");
    expect(r.stdout + r.stderr + rr.stdout + rr.stderr).not.toContain("k3y");
    expect(q.violations).toEqual([]);
  });

  it("fails clearly on 401 without printing the key", async () => {
    const q = await standin({ version: "1.13", apiKey: "right-key" });
    const r = await runBackup({ ...baseEnv(), QDRANT_API_KEY: "wrong-key", QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: fileStore().destination });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([`qdrant-backup: error: GET /cluster (${q.url}) answered HTTP 401: Invalid API key or JWT (check QDRANT_API_KEY)`]);
    expect(r.stdout + r.stderr).not.toContain("wrong-key");
  });
});

describe("qdrant-backup.sh checks", () => {
  it("skips the verification's scratch collections and refuses to overwrite a complete backup", async () => {
    const q = await standin({ version: "1.19" });
    await seed(q, { names: ["documents"] });
    q.state.create("documents_restore_check", { vectors: { size: 8, distance: "Cosine" } });
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS };
    const r = await runBackup(env);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe('skipping collection "documents_restore_check": a scratch copy made by qdrant-backup-verify.sh (names ending in _restore_check are reserved)');
    expect(Object.keys((await readManifest(store, TS)).collections)).toEqual(["documents"]);

    const again = await runBackup(env);
    expect(again.code).toBe(1);
    expect(again.errorLines).toEqual([`qdrant-backup: error: a complete backup named ${TS} already exists at ${store.destination}/${TS}/; not overwriting it`]);
  });

  it("refuses when GET /cluster counts other peers than QDRANT_PEER_URLS lists", async () => {
    const q = await standin({ version: "1.19", peers: 3 });
    await seed(q, { names: ["documents"] });
    const store = fileStore();
    const r = await runBackup({ ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      `qdrant-backup: error: Qdrant at ${q.url} reports 3 peer(s) (cluster enabled) but QDRANT_PEER_URLS lists 1; snapshots are per peer, so list every peer's URL in ordinal order`,
    ]);
    expect(q.writes()).toEqual([]);
    // The run's log is kept at the destination, so the reason outlives the pod.
    const files = await store.list();
    expect(files).toEqual([expect.stringMatching(/^\d{8}_\d{6}\/backup\.log$/)]);
    expect((await store.get(files[0])).toString()).toContain(r.errorLines[0]);
  });

  it("gives each snapshot step a time limit that follows its size: creating by the snapshot volume, downloading by the snapshot", async () => {
    const q = await standin({ version: "1.13", snapshotPaddingBytes: 3 << 20 });
    await seed(q, { names: ["conversations"] });
    const shimDir = tempDir("shim");
    const argsLog = path.join(shimDir, "args.log");
    fs.writeFileSync(path.join(shimDir, "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nexec /usr/bin/curl "$@"\n`, { mode: 0o755 });
    const env = { ...baseEnv(), PATH: `${shimDir}:/usr/bin:/bin`, QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: fileStore().destination, BACKUP_TIMESTAMP: TS };
    const r = await runBackup({ ...env, SNAPSHOT_TIMEOUT_SECONDS: "30", TRANSFER_MIN_MIB_PER_SECOND: "1", SNAPSHOT_VOLUME_SIZE: "200Mi" });
    expect(r.code).toBe(0);
    const calls = fs.readFileSync(argsLog, "utf8").split("\n");
    const maxTime = (match: RegExp) => calls.filter((c) => match.test(c)).map((c) => /--max-time (\d+)/.exec(c)?.[1]);
    expect(maxTime(/-X POST .*\/snapshots\?wait=true/)).toEqual(["230"]); // 30 s + 200 MiB at 1 MiB/s
    expect(maxTime(/-X GET .*-o .*\/snapshots\/conversations-/)).toEqual(["33"]); // 30 s + 3 MiB at 1 MiB/s
    expect(maxTime(/-X GET .*\/collections\/conversations$/)).toEqual(["10", "10"]); // HTTP_TIMEOUT_SECONDS
  });

  it("lists every input problem at once and exits 2", async () => {
    const r = await runBackup({
      PATH: "/usr/bin:/bin",
      QDRANT_PEER_URLS: "http://a:6333 ftp://b http://a:6333/",
      BACKUP_DESTINATION: "s3://Bad_Bucket/x",
      S3_ENDPOINT_URL: "minio:9000",
      SCRATCH_DIR: "/nonexistent",
      BACKUP_PRUNE: "yes",
      BACKUP_TIMESTAMP: "20251340_000000",
      HTTP_TIMEOUT_SECONDS: "0",
      SNAPSHOT_VOLUME_SIZE: "lots",
    });
    expect(r.code).toBe(2);
    expect(r.errorLines).toEqual([
      'qdrant-backup: error: QDRANT_PEER_URLS entry 1 must be an http:// or https:// URL, got "ftp://b"',
      "qdrant-backup: error: QDRANT_PEER_URLS lists http://a:6333 twice",
      "qdrant-backup: error: BACKUP_DESTINATION has an invalid S3 bucket name \"Bad_Bucket\" (3-63 characters: a-z, 0-9, '.', '-')",
      'qdrant-backup: error: S3_ENDPOINT_URL must be an http:// or https:// URL, got "minio:9000"',
      'qdrant-backup: error: SCRATCH_DIR "/nonexistent" is not a writable directory',
      'qdrant-backup: error: BACKUP_PRUNE must be true or false, got "yes"',
      'qdrant-backup: error: BACKUP_TIMESTAMP must be a UTC time as YYYYMMDD_HHMMSS, got "20251340_000000"',
      'qdrant-backup: error: HTTP_TIMEOUT_SECONDS must be a whole number >= 1, got "0"',
      'qdrant-backup: error: SNAPSHOT_VOLUME_SIZE must be a Kubernetes quantity such as 500Gi, got "lots"',
    ]);
    const none = await runBackup({ PATH: "/usr/bin:/bin", BACKUP_PRUNE: "true" });
    expect(none.code).toBe(2);
    expect(none.errorLines).toEqual([
      "qdrant-backup: error: QDRANT_PEER_URLS is required: space-separated base URLs, one per peer in ordinal order (e.g. http://acme-qdrant-0.acme-qdrant-headless:6333)",
      "qdrant-backup: error: BACKUP_DESTINATION is required: s3://<bucket>/<prefix> or file:///<directory>",
      "qdrant-backup: error: SCRATCH_DIR is required: a writable directory for one snapshot at a time",
      "qdrant-backup: error: BACKUP_RETENTION_DAYS is required when BACKUP_PRUNE is true",
    ]);
  });
});
