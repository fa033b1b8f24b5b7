/**
 * lib/backup/qdrant-backup.sh interrupted: a download or an upload cut mid-way, SIGTERM during a download and while
 * Qdrant is still making a snapshot, a snapshot Qdrant cannot make. Real bash, curl, jq and the AWS CLI against
 * s3rver and the Qdrant stand-in, as in qdrant-backup-script.test.ts (split from it to share the suite's time between
 * the jest workers).
 */
import { STANDIN_PEER_ID, type Snapshot } from "../support/qdrant-model";
import type { S3Server } from "../support/s3-server";
import { baseEnv, fileStore, readManifest, runBackup, runRestore, s3Store, scratchLeftovers, scriptTestServers, seed, sha256, startScript, waitFor } from "../support/backup-fixtures";

// The AWS CLI costs about a second of CPU a call: on a busy machine a test with several calls needs more than the default.
jest.setTimeout(180_000);

const TS = "20250301_020000";
const snapshotName = (c: string, n: number) => `${c}-${STANDIN_PEER_ID}-2025-01-01-00-00-0${n}.snapshot`;
const servers = scriptTestServers();
const standin = servers.standin;
let s3: S3Server;
beforeAll(() => void (s3 = servers.s3()));

describe("an interrupted backup leaves no manifest, and the next run succeeds", () => {
  it("a snapshot download cut mid-way: the run fails naming it and deletes the snapshot from Qdrant's disk", async () => {
    const q = await standin({ version: "1.19", snapshotPaddingBytes: 256 << 10 });
    await seed(q);
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS };
    q.throttleDownloads({ chunkBytes: 32 << 10, delayMs: 1 });
    q.abortNextDownload(100 << 10);

    const r = await runBackup(env);
    expect(r.code).toBe(1);
    const snap = `/collections/conversations/snapshots/${snapshotName("conversations", 1)}`;
    expect(r.errorLines).toEqual([
      `qdrant-backup: error: GET ${snap} (${q.url}) failed: the connection closed before the whole body arrived (truncated transfer)`,
      `qdrant-backup: error: backup ${TS} FAILED: no manifest was written, so ${store.destination}/${TS}/ is incomplete and will never be restored; the next run makes a new backup`,
    ]);
    expect(r.lines.at(-1)).toBe(`deleted the unfinished snapshot from Qdrant's disk: DELETE ${snap} (${q.url})`);
    expect(await store.list()).toEqual([`${TS}/backup.log`]);
    expect((await store.get(`${TS}/backup.log`)).toString()).toContain(r.errorLines[0]);
    expect(q.state.listSnapshots("conversations")).toEqual([]);
    expect(scratchLeftovers(env)).toEqual([]);

    const again = await runBackup(env);
    expect(again.errorLines).toEqual([]);
    expect(again.code).toBe(0);
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/conversations/snapshot_${TS}.snapshot`, `${TS}/documents/snapshot_${TS}.snapshot`, `${TS}/manifest.json`]);
    expect(q.violations).toEqual([]);
  });

  it("an S3 upload cut mid-way (a 9 MB multipart upload): the run fails naming it, restore finds nothing to restore, the next run succeeds", async () => {
    const q = await standin({ version: "1.19", snapshotPaddingBytes: 9 << 20 });
    await seed(q, { names: ["documents"] });
    const store = s3Store(s3, "cut");
    const env = { ...baseEnv(s3), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS };
    s3.cutUploads({ key: /\/documents\//, afterBytes: 1 << 20 });
    let r;
    try {
      r = await runBackup({ ...env, AWS_MAX_ATTEMPTS: "1" }); // no retry, no back-off: the cut is what is tested
    } finally {
      s3.cutUploads(undefined);
    }
    expect(s3.cutCount).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      expect.stringMatching(new RegExp(`^qdrant-backup: error: upload to ${store.destination}/${TS}/documents/snapshot_${TS}\\.snapshot failed: .+`)),
      `qdrant-backup: error: backup ${TS} FAILED: no manifest was written, so ${store.destination}/${TS}/ is incomplete and will never be restored; the next run makes a new backup`,
    ]);
    expect(await store.list()).toEqual([`${TS}/backup.log`]); // the parts uploaded before the cut never became an object
    expect(q.state.listSnapshots("documents")).toEqual([]); // deleted from Qdrant's disk once downloaded
    expect(scratchLeftovers(env)).toEqual([]);

    const refused = await runRestore({ ...env, RESTORE_TIMESTAMP: TS });
    expect(refused.code).toBe(1);
    expect(refused.errorLines).toEqual([
      `qdrant-restore: error: backup ${TS} at ${store.destination}/${TS}/ is incomplete (no manifest.json: that run failed or is still running); complete backups: none`,
    ]);

    const again = await runBackup(env);
    expect(again.errorLines).toEqual([]);
    expect(again.code).toBe(0);
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/documents/snapshot_${TS}.snapshot`, `${TS}/manifest.json`]);
    const manifest = await readManifest(store, TS);
    expect((await store.get(`${TS}/documents/snapshot_${TS}.snapshot`)).length).toBe(manifest.collections.documents.files[0].size);
    expect(sha256(await store.get(`${TS}/documents/snapshot_${TS}.snapshot`))).toBe(manifest.collections.documents.files[0].sha256);
    expect(q.violations).toEqual([]);
  });

  it("SIGTERM during a slow download (the Job's deadline): stops at once, deletes the snapshot from Qdrant's disk, exits 143", async () => {
    const q = await standin({ version: "1.19", snapshotPaddingBytes: 1 << 20 });
    await seed(q, { names: ["documents"] });
    q.throttleDownloads({ chunkBytes: 16 << 10, delayMs: 50 }); // the whole download would take over 3 s
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS };
    const { child, result } = startScript("qdrant-backup.sh", env);
    const snap = `/collections/documents/snapshots/${snapshotName("documents", 1)}`;
    await waitFor(() => q.requests.some((x) => x.method === "GET" && x.path === snap), "the snapshot download to start");
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = Date.now();
    child.kill("SIGTERM");
    const r = await result;
    expect(Date.now() - killedAt).toBeLessThan(1500);
    expect(r.code).toBe(143);
    expect(r.errorLines).toEqual([
      "qdrant-backup: error: stopped by SIGTERM (the Job deadline or the pod being deleted)",
      `qdrant-backup: error: backup ${TS} FAILED: no manifest was written, so ${store.destination}/${TS}/ is incomplete and will never be restored; the next run makes a new backup`,
    ]);
    expect(r.lines.at(-1)).toBe(`deleted the unfinished snapshot from Qdrant's disk: DELETE ${snap} (${q.url})`);
    expect(q.state.listSnapshots("documents")).toEqual([]);
    expect(await store.list()).toEqual([`${TS}/backup.log`]);
    expect((await store.get(`${TS}/backup.log`)).toString()).toMatch(/\nqdrant-backup: run ended at \S+ with exit status 143\n$/);
    expect(scratchLeftovers(env)).toEqual([]);
    expect(q.violations).toEqual([]);
  });

  it("SIGTERM while Qdrant is still making a snapshot: the run records it, Qdrant finishes it anyway, and the next run deletes it and only it", async () => {
    const q = await standin({ version: "1.19", realClock: true });
    await seed(q, { names: ["documents"] });
    const manual = q.state.createSnapshot("documents") as Snapshot; // an operator's, from before the run
    // Snapshot names have whole seconds: the run's must not share the operator's second (it would share its name).
    await new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));
    q.slowSnapshots(1500);
    const store = fileStore();
    const env = { ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS, LEFTOVER_CLOCK_SKEW_SECONDS: "0" };
    const { child, result } = startScript("qdrant-backup.sh", env);
    await waitFor(() => q.requests.some((x) => x.method === "POST" && x.path === "/collections/documents/snapshots"), "the snapshot to be asked for");
    child.kill("SIGTERM");
    const r = await result;
    expect(r.code).toBe(143);
    expect(r.errorLines).toEqual([
      "qdrant-backup: error: stopped by SIGTERM (the Job deadline or the pod being deleted)",
      'qdrant-backup: warning: collection "documents" peer 0: Qdrant was still making a snapshot, which it finishes on its own; the next run deletes it',
      `qdrant-backup: error: backup ${TS} FAILED: no manifest was written, so ${store.destination}/${TS}/ is incomplete and will never be restored; the next run makes a new backup`,
    ]);
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/leftover-snapshots.jsonl`]);
    const record = JSON.parse((await store.get(`${TS}/leftover-snapshots.jsonl`)).toString()) as { stopped_at: number };
    expect(record).toMatchObject({ peer: 0, collection: "documents", before: [manual.name] });

    // Qdrant finishes the snapshot after the client has gone; an operator makes another one later.
    await waitFor(() => q.state.listSnapshots("documents").length === 2, "Qdrant to finish the snapshot");
    const orphan = q.state.listSnapshots("documents")[1];
    // The operator's next snapshot is named in a later second than the stop (the skew allowed here is 0).
    const afterSkew = (record.stopped_at + 1) * 1000 + 10 - Date.now();
    if (afterSkew > 0) await new Promise((resolve) => setTimeout(resolve, afterSkew));
    q.slowSnapshots(undefined);
    const later = q.state.createSnapshot("documents") as Snapshot;

    const next = "20250301_030000";
    const again = await runBackup({ ...env, BACKUP_TIMESTAMP: next });
    expect(again.errorLines).toEqual([]);
    expect(again.code).toBe(0);
    expect(again.lines[0]).toBe(`deleted snapshot ${orphan.name} of collection "documents" from peer 0's disk: run ${TS} left it there`);
    expect(q.state.listSnapshots("documents").map((x) => x.name)).toEqual([manual.name, later.name]);
    // The record is gone once its snapshot was deleted: a third run finds nothing to do.
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${next}/backup.log`, `${next}/documents/snapshot_${next}.snapshot`, `${next}/manifest.json`]);
    expect(q.violations).toEqual([]);
  });

  it("a snapshot Qdrant cannot create: the run fails naming the request and Qdrant's error, with no manifest", async () => {
    const q = await standin({ version: "1.13" });
    await seed(q);
    const store = fileStore();
    q.failNext("POST", /^\/collections\/documents\/snapshots$/, 500, "Service internal error: No space left on device");
    const r = await runBackup({ ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: store.destination, BACKUP_TIMESTAMP: TS });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      `qdrant-backup: error: POST /collections/documents/snapshots?wait=true (${q.url}) answered HTTP 500: Service internal error: No space left on device`,
      `qdrant-backup: error: backup ${TS} FAILED: no manifest was written, so ${store.destination}/${TS}/ is incomplete and will never be restored; the next run makes a new backup`,
    ]);
    expect(await store.list()).toEqual([`${TS}/backup.log`, `${TS}/conversations/snapshot_${TS}.snapshot`]);
    expect(q.violations).toEqual([]);
  });
});
