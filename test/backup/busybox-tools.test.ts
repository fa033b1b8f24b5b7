/**
 * The backup, restore and verification scripts with the default job image's tools: BusyBox's applets where the GNU
 * runs of the other script tests have coreutils and findutils, and the real bash, curl and jq, nothing else on PATH
 * (test/support/busybox-path.ts). A file:// destination (the homelab's `backupTarget: pvc`), so no AWS CLI. One run
 * of each script, expecting what the GNU runs give: a complete backup with its manifest (and pruning by the names'
 * times), a wiped Qdrant restored byte for byte, and the backup verified.
 */
import { STANDIN_PEER_ID } from "../support/qdrant-model";
import { startQdrantStandin } from "../support/qdrant-standin";
import { busyboxPath } from "../support/busybox-path";
import {
  cleanupTempDirs,
  fileStore,
  infos,
  limitsEnv,
  readManifest,
  runBackup,
  runRestore,
  runVerify,
  scratchLeftovers,
  seed,
  sha256,
  stampDaysAgo,
} from "../support/backup-fixtures";

afterAll(cleanupTempDirs);

it("backs up to file://, prunes, restores a wiped Qdrant byte for byte and verifies the backup, with BusyBox's tools", async () => {
  const q = await startQdrantStandin({ version: "1.19", snapshotPaddingBytes: 4096 });
  try {
    await seed(q, { names: ["documents"] }); // one collection: every step is per collection, and each costs processes
    const before = infos(q);
    const bytes = q.state.serialize("documents");
    const sum = sha256(bytes);
    const store = fileStore();
    const url = store.destination;
    const ts = stampDaysAgo(10.01);
    const old = stampDaysAgo(20.01); // incomplete and older than the retention: pruned
    const impossible = "20250230_020000"; // not a valid time: pruning leaves it alone
    for (const t of [old, impossible]) await store.put(`${t}/documents/snapshot_${t}.snapshot`, "x");
    const env = { ...limitsEnv(), PATH: busyboxPath(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: url };

    const r = await runBackup({ ...env, BACKUP_TIMESTAMP: ts, BACKUP_PRUNE: "true", BACKUP_RETENTION_DAYS: "7" });
    expect(r.errorLines).toEqual([`qdrant-backup: warning: prune: leaving ${impossible} alone: its name is not a valid time`]);
    expect(r.code).toBe(0);
    const file = `${url}/${ts}/documents/snapshot_${ts}.snapshot`;
    expect(r.lines).toEqual([
      `backup ${ts}: 1 collection(s) on 1 peer (single node) to ${url}/${ts}/`,
      `collection "documents": snapshot documents-${STANDIN_PEER_ID}-2025-01-01-00-00-01.snapshot (${bytes.length} bytes, sha256 ${sum}) stored as ${file}`,
      `backup ${ts} complete: 1 collection(s), 1 snapshot file(s), ${bytes.length} bytes; manifest ${url}/${ts}/manifest.json`,
      `prune: deleting ${old} (incomplete: no manifest, 20 days old)`,
      `prune: keeping ${ts} although it is 10 days old: it is the newest complete backup`,
      "prune: retention 7 days: deleted 1 backup(s), kept 2",
    ]);
    expect(await store.list()).toEqual([
      `${impossible}/documents/snapshot_${impossible}.snapshot`,
      `${ts}/backup.log`,
      `${ts}/documents/snapshot_${ts}.snapshot`,
      `${ts}/manifest.json`,
    ]);
    const manifest = await readManifest(store, ts);
    expect(manifest).toMatchObject({ format: 1, timestamp: ts, peer_count: 1 });
    expect(manifest.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(manifest.collections)).toEqual(["documents"]);
    expect(manifest.collections.documents.files).toEqual([{ peer: 0, path: `documents/snapshot_${ts}.snapshot`, size: bytes.length, sha256: sum }]);
    expect((await store.get(`${ts}/documents/snapshot_${ts}.snapshot`)).equals(bytes)).toBe(true);
    expect(scratchLeftovers(env)).toEqual([]);

    // The collection gone: the newest complete backup goes back in.
    q.state.delete("documents");
    const rr = await runRestore({ ...env, RESTORE_TIMESTAMP: "latest" });
    expect(rr.errorLines).toEqual([]);
    expect(rr.code).toBe(0);
    expect(rr.lines).toEqual([
      `newest complete backup under ${url}/: ${ts}`,
      `backup ${ts}: 1 collection(s) from 1 peer(s), Qdrant 1.19.0`,
      `checked 1 file(s), ${bytes.length} bytes: every sha256 matches the manifest`,
      `collection "documents": created from ${file}`,
      'collection "documents": points_count 120 matches the manifest',
      `restore of backup ${ts} complete: 1 collection(s)`,
    ]);
    expect(q.uploads.map((u) => [u.collection, u.bytes.equals(bytes)])).toEqual([["documents", true]]);
    expect(infos(q)).toEqual(before);

    const v = await runVerify(env);
    expect(v.errorLines).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.lines).toEqual([
      `newest complete backup under ${url}/: ${ts}`,
      `backup ${ts}: 1 collection(s) from 1 peer(s), Qdrant 1.19.0`,
      `checked 1 file(s), ${bytes.length} bytes: every sha256 matches the manifest`,
      `collection "documents_restore_check": created from ${file}`,
      'collection "documents_restore_check": points_count 120 matches the manifest',
      'collection "documents_restore_check": config and payload indexes match the manifest',
      'deleted scratch collection "documents_restore_check"',
      `backup ${ts} verified: 1 collection(s) restored as <name>_restore_check and matched the manifest`,
    ]);
    expect(infos(q)).toEqual(before);
    expect(q.violations).toEqual([]);
    expect(scratchLeftovers(env)).toEqual([]);
  } finally {
    await q.close();
  }
});
