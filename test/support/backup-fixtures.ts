/**
 * Shared parts of the backup, restore and verification script tests: collections to seed a Qdrant stand-in with,
 * runners for the three scripts (real bash, curl, jq and Debian's AWS CLI), and small file helpers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startQdrantStandin, type QdrantStandin, type QdrantVersion } from "./qdrant-standin";
import { runScript, SCRIPTS_DIR, type ScriptResult } from "./run-script";
import { awsEnv, requireAwsCli, startS3Server, type S3Server } from "./s3-server";
import type { StandinOptions } from "./qdrant-standin";

export const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Bodies of PUT /collections/{c} and their payload indexes; valid for Qdrant 1.13 and 1.19. */
export const COLLECTIONS = {
  documents: {
    config: {
      vectors: { size: 8, distance: "Cosine" },
      on_disk_payload: true,
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 20000 },
      quantization_config: { scalar: { type: "int8", always_ram: true } },
      optimizers_config: { default_segment_number: 2 },
      shard_number: 1,
      replication_factor: 1,
      write_consistency_factor: 1,
    },
    indexes: [
      { field_name: "document_id", field_schema: "keyword" },
      { field_name: "tenant", field_schema: { type: "keyword", is_tenant: true } },
      { field_name: "upload_timestamp", field_schema: "datetime" },
    ],
    points: 120,
  },
  conversations: {
    config: { vectors: { size: 8, distance: "Dot" }, hnsw_config: { m: 32 }, on_disk_payload: false },
    indexes: [{ field_name: "customer_id", field_schema: "keyword" }],
    points: 35,
  },
} as const;

export type CollectionName = keyof typeof COLLECTIONS;

/** A request to the stand-in from the test (as an operator or the init Job would send it); throws unless 2xx. */
export async function call(q: QdrantStandin, method: string, p: string, body: unknown, apiKey?: string): Promise<void> {
  const res = await fetch(q.url + p, {
    method,
    headers: { "content-type": "application/json", ...(apiKey ? { "api-key": apiKey } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Creates the collections through the stand-in's API (so they pass its OpenAPI check), adds a few points with
 * payloads, then `extraPoints` more without. Requests made here are forgotten.
 */
export async function seed(q: QdrantStandin, opts: { apiKey?: string; extraPoints?: number; names?: CollectionName[] } = {}): Promise<void> {
  for (const name of opts.names ?? (Object.keys(COLLECTIONS) as CollectionName[])) {
    const c = COLLECTIONS[name];
    await call(q, "PUT", `/collections/${name}`, c.config, opts.apiKey);
    for (const index of c.indexes) await call(q, "PUT", `/collections/${name}/index?wait=true`, index, opts.apiKey);
    const size = c.config.vectors.size;
    const points = [1, 2, 3].map((id) => ({
      id,
      vector: Array.from({ length: size }, (_, i) => (i === id ? 1 : 0)),
      payload: { document_id: `doc-${id}`, tenant: "acme", customer_id: `c-${id}`, upload_timestamp: "2025-01-01T00:00:00Z" },
    }));
    await call(q, "PUT", `/collections/${name}/points?wait=true`, { points }, opts.apiKey);
    q.state.addPoints(name, (opts.extraPoints ?? c.points) - points.length);
  }
  q.clearRequests();
}

/** What a test compares after a restore: GET /collections/{c}'s result for every collection. */
export function infos(q: QdrantStandin): Record<string, unknown> {
  return Object.fromEntries([...q.state.collections.keys()].sort().map((c) => [c, q.state.info(c)]));
}

/** A fresh temporary directory, removed by `cleanupTempDirs`. */
const tempDirs: string[] = [];
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  tempDirs.push(d);
  return d;
}
export function cleanupTempDirs(): void {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Every file below `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}

/** Environment every script run gets: the AWS CLI set up for `s3` (if given), a fresh SCRATCH_DIR, short limits. */
export function baseEnv(s3?: S3Server): Record<string, string> {
  return { ...awsEnv(), ...(s3 ? { S3_ENDPOINT_URL: s3.endpoint } : {}), ...limitsEnv() };
}

/** baseEnv without the AWS CLI (no PATH, no CLI process started): a fresh SCRATCH_DIR and the short limits. */
export function limitsEnv(): Record<string, string> {
  return {
    SCRATCH_DIR: tempDir("scratch"),
    HTTP_TIMEOUT_SECONDS: "10",
    SNAPSHOT_TIMEOUT_SECONDS: "20",
    // The stand-ins finish a shard transfer after a number of looks, not of seconds: no need to wait Qdrant's second.
    POLL_INTERVAL_SECONDS: "0.05",
  };
}

export const runBackup = (env: Record<string, string>): Promise<ScriptResult> => runScript("qdrant-backup.sh", env, 90000);
export const runRestore = (env: Record<string, string>): Promise<ScriptResult> => runScript("qdrant-restore.sh", env, 90000);
export const runVerify = (env: Record<string, string>): Promise<ScriptResult> => runScript("qdrant-backup-verify.sh", env, 90000);

/** YYYYMMDD_HHMMSS of a moment `daysAgo` days (fractions allowed) before now, UTC. */
export function stampDaysAgo(daysAgo: number): string {
  const d = new Date(Date.now() - daysAgo * 86400_000);
  const iso = d.toISOString(); // 2025-03-01T02:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** The script's scratch directory must be left empty (the backup's and restore's work directories are removed). */
export function scratchLeftovers(env: Record<string, string>): string[] {
  return fs.readdirSync(env.SCRATCH_DIR).filter((f) => f !== ".home");
}

/** A backup destination as a test sees it: the BACKUP_DESTINATION URL and its files, relative to it. */
export interface Store {
  readonly destination: string;
  list(): Promise<string[]>;
  get(rel: string): Promise<Buffer>;
  put(rel: string, body: Buffer | string): Promise<void>;
}

/** s3://<bucket>/<prefix> on the test's S3 server. */
export function s3Store(s3: S3Server, prefix: string): Store {
  return {
    destination: `s3://${s3.bucket}/${prefix}`,
    list: async () => (await s3.list(`${prefix}/`)).map((o) => o.key.slice(prefix.length + 1)),
    get: (rel) => s3.get(`${prefix}/${rel}`),
    put: (rel, body) => s3.put(`${prefix}/${rel}`, body),
  };
}

/** file://<a new temporary directory>. */
export function fileStore(): Store {
  const dir = tempDir("backups");
  return {
    destination: `file://${dir}`,
    list: async () => listFiles(dir),
    get: async (rel) => fs.readFileSync(path.join(dir, rel)),
    put: async (rel, body) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), body);
    },
  };
}

/** Copies every file of one store into another (e.g. a backup made to file:// into S3, without the AWS CLI). */
/** One backup per Qdrant version, named `ts`, each in its own directory, made from a seeded stand-in that is then closed. */
export async function backupPerVersion(ts: string): Promise<Record<QdrantVersion, Store>> {
  const backups = {} as Record<QdrantVersion, Store>;
  for (const version of ["1.19", "1.13"] as const) {
    const q = await startQdrantStandin({ version, snapshotPaddingBytes: 4096 });
    try {
      await seed(q);
      backups[version] = fileStore();
      const r = await runBackup({ ...baseEnv(), QDRANT_PEER_URLS: q.url, BACKUP_DESTINATION: backups[version].destination, BACKUP_TIMESTAMP: ts });
      if (r.errorLines.length > 0) throw new Error(`backup of the ${version} stand-in failed:\n${r.errorLines.join("\n")}`);
    } finally {
      await q.close();
    }
  }
  return backups;
}

export async function copyStore(from: Store, to: Store): Promise<void> {
  for (const rel of await from.list()) await to.put(rel, await from.get(rel));
}

export interface Manifest {
  format: number;
  timestamp: string;
  peer_count: number;
  collections: Record<string, { points_count: number; points_count_after: number; config: Record<string, unknown>; files: { peer: number; path: string; size: number; sha256: string }[] }>;
  [key: string]: unknown;
}

export async function readManifest(store: Store, ts: string): Promise<Manifest> {
  return JSON.parse((await store.get(`${ts}/manifest.json`)).toString("utf8")) as Manifest;
}

/**
 * Starts a script like runScript (bash, a minimal environment) but hands back the process, so a test can signal it
 * while it runs (as Kubernetes does at a Job's deadline). `result` resolves when it exits.
 */
export function startScript(script: string, env: Record<string, string>): { child: ChildProcess; result: Promise<ScriptResult> } {
  const child = spawn("bash", [path.join(SCRIPTS_DIR, script)], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const split = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));
  const result = new Promise<ScriptResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, lines: split(stdout), errorLines: split(stderr) }));
  });
  return { child, result };
}

/** Resolves once `check` returns true (polled every 10 ms), or rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * For a script test file: one S3 server for the whole file (`s3()` once beforeAll has run), Qdrant stand-ins closed
 * after each test, temporary directories removed at the end.
 */
export function scriptTestServers(): { s3: () => S3Server; standin: (opts: StandinOptions) => Promise<QdrantStandin> } {
  let s3: S3Server | undefined;
  const standins: QdrantStandin[] = [];
  beforeAll(async () => {
    requireAwsCli();
    s3 = await startS3Server();
  });
  afterEach(async () => {
    await Promise.all(standins.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    await s3?.close();
    cleanupTempDirs();
  });
  return {
    s3: () => s3 as S3Server,
    standin: async (opts) => {
      const q = await startQdrantStandin(opts);
      standins.push(q);
      return q;
    },
  };
}
