/** The Qdrant stand-in itself: its answers match Qdrant's OpenAPI document, it refuses requests Qdrant would not take, and snapshots round-trip. */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { qdrantOpenApi } from "./qdrant-openapi";
import { STANDIN_PEER_ID } from "./qdrant-model";
import { startQdrantCluster, startQdrantStandin, type QdrantStandin, type QdrantVersion } from "./qdrant-standin";

async function call(s: QdrantStandin, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as { result?: unknown; status?: unknown }, text };
}

function upload(s: QdrantStandin, collection: string, bytes: Buffer, query = "?priority=snapshot") {
  const form = new FormData();
  form.append("snapshot", new Blob([bytes]), "backup.snapshot");
  return fetch(`${s.url}/collections/${collection}/snapshots/upload${query}`, { method: "POST", body: form });
}

const CREATE = {
  vectors: { size: 4, distance: "Cosine" },
  hnsw_config: { m: 32 },
  quantization_config: { scalar: { type: "int8", always_ram: true } },
  optimizers_config: { default_segment_number: 2 },
};

describe("a 3-peer stand-in cluster", () => {
  it("shares collections, places shards off the ordinals, snapshots each peer's own shards, and moves a shard on request", async () => {
    const peers = await startQdrantCluster(3, { version: "1.19" });
    try {
      await call(peers[0], "PUT", "/collections/docs", { ...CREATE, shard_number: 3 });
      peers[0].state.addPoints("docs", 30);
      expect(peers.map((q) => q.state.localShards("docs"))).toEqual([[2], [0], [1]]);
      expect((await call(peers[2], "GET", "/collections/docs")).json.result).toMatchObject({ points_count: 30 });
      const info = (await call(peers[1], "GET", "/collections/docs/cluster")).json.result as Record<string, unknown>;
      expect(info).toMatchObject({ peer_id: STANDIN_PEER_ID + 1, shard_count: 3, local_shards: [{ shard_id: 0, points_count: 10, state: "Active" }], shard_transfers: [] });
      const move = { move_shard: { shard_id: 0, from_peer_id: STANDIN_PEER_ID + 1, to_peer_id: STANDIN_PEER_ID + 2 } };
      expect((await call(peers[0], "POST", "/collections/docs/cluster", move)).status).toBe(200);
      expect(peers.map((q) => q.state.localShards("docs"))).toEqual([[2], [], [0, 1]]);
      for (const q of peers) expect(q.violations).toEqual([]);
    } finally {
      await Promise.all(peers.map((q) => q.close()));
    }
  });
});

describe.each(["1.13", "1.19"] as const)("Qdrant %s stand-in", (version: QdrantVersion) => {
  let s: QdrantStandin;
  beforeEach(async () => {
    s = await startQdrantStandin({ version });
  });
  afterEach(() => s.close());

  it("reports a created collection as Qdrant does, defaults from that version's config.yaml", async () => {
    expect((await call(s, "PUT", "/collections/docs", CREATE)).json).toMatchObject({ result: true, status: "ok" });
    const info = await call(s, "GET", "/collections/docs");
    expect(qdrantOpenApi(version).validateComponent("CollectionInfo", info.json.result)).toEqual([]);
    expect(info.json.result).toMatchObject({
      points_count: 0,
      payload_schema: {},
      config: {
        params: { vectors: { size: 4, distance: "Cosine" }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 32, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 2, flush_interval_sec: 5 },
        quantization_config: { scalar: { type: "int8", always_ram: true } },
      },
    });
    const config = (info.json.result as { config: { optimizer_config: object; wal_config: object } }).config;
    // The defaults that differ between the two versions' config.yaml and schema.
    expect(config.optimizer_config).toMatchObject({ indexing_threshold: version === "1.13" ? 20000 : 10000 });
    expect(config.wal_config).toEqual(version === "1.13" ? { wal_capacity_mb: 32, wal_segments_ahead: 0 } : { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 });
    expect(s.violations).toEqual([]);
  });

  it("answers Qdrant's status codes and envelopes", async () => {
    expect(await call(s, "GET", "/collections/nope")).toMatchObject({ status: 404, json: { status: { error: "Not found: Collection `nope` doesn't exist!" } } });
    expect((await call(s, "GET", "/collections/nope/exists")).json.result).toEqual({ exists: false });
    await call(s, "PUT", "/collections/docs", CREATE);
    expect(await call(s, "PUT", "/collections/docs", CREATE)).toMatchObject({ status: 409, json: { status: { error: "Wrong input: Collection `docs` already exists!" } } });
    expect((await call(s, "PATCH", "/collections/docs", { hnsw_config: { m: 8 }, quantization_config: "Disabled", params: { replication_factor: 2 } })).status).toBe(200);
    expect(s.state.info("docs")).toMatchObject({ config: { hnsw_config: { m: 8, ef_construct: 100 }, quantization_config: null, params: { replication_factor: 2 } } });
    expect((await call(s, "GET", "/readyz")).text).toBe("all shards are ready");
    expect((await call(s, "GET", "/cluster")).json.result).toEqual({ status: "disabled" });
    s.failNext("GET", /^\/collections$/, 503, "try later");
    expect(await call(s, "GET", "/collections")).toMatchObject({ status: 503, json: { status: { error: "try later" } } });
    expect((await call(s, "GET", "/collections")).json.result).toEqual({ collections: [{ name: "docs" }] });
    expect(s.violations).toEqual([]);
  });

  it("answers 422 and records a violation for requests outside Qdrant's API", async () => {
    await call(s, "PUT", "/collections/docs", CREATE);
    expect((await call(s, "GET", "/collections/docs/nonsense")).status).toBe(422);
    await call(s, "POST", "/collections/docs/exists");
    await call(s, "PUT", "/collections/bad", { vectors: { size: 0, distance: "Cosine" } });
    await call(s, "PUT", "/collections/bad2", { vectors: { size: 4, distance: "Cosine" }, hnsw_config: { m: 16, bogus: 1 } });
    await call(s, "PUT", "/collections/docs/index?wait=maybe", { field_name: "a", field_schema: "keyword" });
    await fetch(`${s.url}/collections/docs/index`, { method: "PUT", body: JSON.stringify({ field_name: "a", field_schema: "keyword" }) });
    expect(s.violations.map((v) => v.reason)).toEqual([
      `GET /collections/docs/nonsense: no such path in Qdrant ${version}'s OpenAPI document`,
      `POST /collections/docs/exists: method POST is not defined for /collections/{collection_name}/exists in Qdrant ${version} (defined: GET)`,
      expect.stringMatching(/^PUT \/collections\/\{collection_name\}: body does not match .*\/vectors\/size: must be >= 1/),
      expect.stringContaining('/hnsw_config: unknown property "bogus"'),
      expect.stringMatching(/query parameter wait=maybe is invalid: .*must be boolean/),
      `PUT /collections/{collection_name}/index: Content-Type text/plain is not accepted (accepted: application/json)`,
    ]);
    expect(s.state.collections.has("bad")).toBe(false);
  });

  it("knows which fields and parameters exist in this version", async () => {
    await call(s, "PUT", "/collections/docs", { ...CREATE, hnsw_config: { m: 16, inline_storage: true } });
    await call(s, "PUT", "/collections/docs/index?wait=true&timeout=5", { field_name: "a", field_schema: "keyword" });
    if (version === "1.13") {
      expect(s.violations.map((v) => v.reason)).toEqual([
        expect.stringContaining('/hnsw_config: unknown property "inline_storage"'),
        expect.stringContaining('query parameter "timeout" is not declared in Qdrant 1.13 (declared: wait, ordering)'),
      ]);
    } else {
      expect(s.violations).toEqual([]);
    }
  });

  it("requires the API key except on the health endpoints; the read-only key may only read", async () => {
    const k = await startQdrantStandin({ version, apiKey: "rw-key", readOnlyApiKey: "ro-key" });
    try {
      expect((await call(k, "GET", "/readyz")).status).toBe(200);
      expect(await call(k, "GET", "/collections")).toMatchObject({ status: 401, json: { status: { error: "Must provide an API key or an Authorization bearer token" } } });
      expect((await call(k, "GET", "/collections", undefined, { "api-key": "wrong" })).status).toBe(401);
      expect((await call(k, "GET", "/collections", undefined, { authorization: "Bearer ro-key" })).status).toBe(200);
      expect((await call(k, "PUT", "/collections/docs", CREATE, { "api-key": "ro-key" })).status).toBe(403);
      expect((await call(k, "PUT", "/collections/docs", CREATE, { "api-key": "rw-key" })).status).toBe(200);
      expect(k.violations).toEqual([]);
    } finally {
      await k.close();
    }
  });

  it("reports peers joining the cluster", async () => {
    const c = await startQdrantStandin({ version, peers: 1, peersJoin: { afterClusterRequests: 1, peers: 3 } });
    try {
      const peers = async () => Object.keys(((await call(c, "GET", "/cluster")).json.result as { peers: object }).peers).length;
      expect(await peers()).toBe(1);
      expect(await peers()).toBe(3);
      expect(c.violations).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("restores a collection from downloaded snapshot bytes: config, payload indexes, points", async () => {
    await call(s, "PUT", "/collections/docs", CREATE);
    await call(s, "PUT", "/collections/docs/index?wait=true", { field_name: "tenant", field_schema: { type: "keyword", is_tenant: true } });
    await call(s, "PUT", "/collections/docs/points?wait=true", { points: [{ id: 1, vector: [1, 0, 0, 0], payload: { tenant: "a" } }] });
    s.state.addPoints("docs", 99);
    const before = s.state.info("docs");
    expect(before).toMatchObject({ points_count: 100, payload_schema: { tenant: { data_type: "keyword", points: 1 } } });

    const created = await call(s, "POST", "/collections/docs/snapshots?wait=true");
    const snapshot = created.json.result as { name: string; size: number; checksum: string };
    expect(snapshot.name).toMatch(/^docs-\d+-2025-01-01-00-00-01\.snapshot$/);
    expect((await call(s, "GET", "/collections/docs/snapshots")).json.result).toEqual([{ ...snapshot, creation_time: "2025-01-01T00:00:01" }]);
    const bytes = Buffer.from(await (await fetch(`${s.url}/collections/docs/snapshots/${snapshot.name}`)).arrayBuffer());
    expect(bytes.length).toBe(snapshot.size);

    await call(s, "DELETE", "/collections/docs");
    expect((await upload(s, "docs", bytes.subarray(0, bytes.length - 1))).status).toBe(400);
    expect((await upload(s, "docs", bytes, `?priority=snapshot&checksum=${"0".repeat(64)}`)).status).toBe(400);
    expect((await upload(s, "docs", bytes, `?priority=snapshot&checksum=${snapshot.checksum}`)).status).toBe(200);
    expect(s.state.info("docs")).toEqual(before);
    expect(s.violations).toEqual([]);
  });

  it("keeps an uploaded snapshot in the collection's folder, and refuses one into a collection with another shard count (Qdrant v1.19 recover.rs)", async () => {
    await call(s, "PUT", "/collections/docs", CREATE);
    s.state.addPoints("docs", 3);
    const created = await call(s, "POST", "/collections/docs/snapshots?wait=true");
    const name = (created.json.result as { name: string }).name;
    const bytes = Buffer.from(await (await fetch(`${s.url}/collections/docs/snapshots/${name}`)).arrayBuffer());
    await call(s, "DELETE", `/collections/docs/snapshots/${name}`);

    expect((await upload(s, "docs", bytes)).status).toBe(200);
    expect(((await call(s, "GET", "/collections/docs/snapshots")).json.result as { name: string }[]).map((x) => x.name)).toEqual(["backup.snapshot"]);

    await call(s, "DELETE", "/collections/docs");
    await call(s, "PUT", "/collections/docs", { ...CREATE, shard_number: 2 });
    const refused = await upload(s, "docs", bytes);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { status: { error: string } }).status.error).toBe(
      "Wrong input: Snapshot is not compatible with existing collection: Collection shard number: 2 Snapshot shard number: 1",
    );
    expect(s.state.info("docs").points_count).toBe(0);
    expect(s.violations).toEqual([]);
  });

  it("round-trips a big snapshot through curl download and multipart upload, as the backup scripts will", async () => {
    const big = await startQdrantStandin({ version, apiKey: "k", snapshotPaddingBytes: 8 << 20 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-snapshot-"));
    try {
      // Asynchronous: the stand-in answers from this same process.
      const curl = async (...args: string[]) => (await promisify(execFile)("curl", ["-sS", "--fail", "--max-time", "20", "-H", "api-key: k", ...args])).stdout;
      await call(big, "PUT", "/collections/docs", CREATE, { "api-key": "k" });
      big.state.addPoints("docs", 5, { tenant: "a" });
      big.state.createIndex("docs", { field_name: "tenant", field_schema: "keyword" });
      const before = big.state.info("docs");
      const { name } = (JSON.parse(await curl("-X", "POST", `${big.url}/collections/docs/snapshots?wait=true`)) as { result: { name: string } }).result;
      const file = path.join(dir, name);
      await curl("-o", file, `${big.url}/collections/docs/snapshots/${name}`);
      expect(fs.statSync(file).size).toBeGreaterThan(8 << 20);
      await curl("-X", "DELETE", `${big.url}/collections/docs`);
      await curl("-X", "POST", "-F", `snapshot=@${file}`, `${big.url}/collections/docs/snapshots/upload?priority=snapshot`);
      expect(big.state.info("docs")).toEqual(before);
      expect(big.violations).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await big.close();
    }
  });

  it("can slow down and cut snapshot downloads", async () => {
    const big = await startQdrantStandin({ version, snapshotPaddingBytes: 3 << 20 });
    try {
      await call(big, "PUT", "/collections/docs", CREATE);
      const { name, size } = (await call(big, "POST", "/collections/docs/snapshots")).json.result as { name: string; size: number };
      expect(size).toBeGreaterThan(3 << 20);
      big.throttleDownloads({ chunkBytes: 1 << 20, delayMs: 5 });
      big.abortNextDownload(1 << 20);
      await expect(fetch(`${big.url}/collections/docs/snapshots/${name}`).then((r) => r.arrayBuffer())).rejects.toThrow();
      const whole = await fetch(`${big.url}/collections/docs/snapshots/${name}`).then((r) => r.arrayBuffer());
      expect(whole.byteLength).toBe(size);
      expect(big.violations).toEqual([]);
    } finally {
      await big.close();
    }
  });
});
