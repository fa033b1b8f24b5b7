/**
 * lib/collections/collection-init.sh, run for real with bash, curl and jq against the Qdrant stand-in
 * (test/support/qdrant-standin.ts), which checks every request against Qdrant's OpenAPI document of each version.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startQdrantStandin, type QdrantStandin, type QdrantVersion, type RecordedRequest, type StandinOptions } from "../support/qdrant-standin";
import { runScript, type ScriptResult } from "../support/run-script";

const FIXED = "this cannot change in place (create a new collection with the new setting and re-upload or re-embed its points; a snapshot restore brings the old setting back)";

const DOCUMENTS = {
  name: "documents",
  config: {
    vectors: { size: 1536, distance: "Cosine" },
    on_disk_payload: true,
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 20000 },
    quantization_config: { scalar: { type: "int8", always_ram: true } },
    optimizers_config: { default_segment_number: 2 },
    shard_number: 1,
    replication_factor: 1,
    write_consistency_factor: 1,
  },
  payload_indexes: [
    { field_name: "document_id", field_schema: "keyword" },
    { field_name: "upload_timestamp", field_schema: "datetime" },
  ],
};

const CONVERSATIONS = {
  name: "conversations",
  config: { vectors: { size: 1536, distance: "Cosine" }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1 },
  payload_indexes: [{ field_name: "customer_id", field_schema: "keyword" }],
};

/** What a test compares: a request without its headers. */
const brief = (r: RecordedRequest) => ({ method: r.method, path: r.path, query: r.query, body: r.body, status: r.status });
const get = (p: string) => ({ method: "GET", path: p, query: {}, body: undefined, status: 200 });
const index = (collection: string, field_name: string, field_schema: unknown) => ({
  method: "PUT",
  path: `/collections/${collection}/index`,
  query: { wait: "true" },
  body: { field_name, field_schema },
  status: 200,
});

let dir: string;
let standin: QdrantStandin | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "collection-init-test-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

let fileCounter = 0;
function run(url: string, collections: unknown, env: Record<string, string> = {}): Promise<ScriptResult> {
  const file = path.join(dir, `collections-${++fileCounter}.json`);
  fs.writeFileSync(file, JSON.stringify(collections));
  return runScript("collection-init.sh", {
    QDRANT_URL: url,
    COLLECTIONS_FILE: file,
    WAIT_TIMEOUT_SECONDS: "5",
    WAIT_INTERVAL_SECONDS: "0.05",
    ...env,
  });
}

describe.each(["1.13", "1.19"] as const)("collection-init.sh against Qdrant %s", (version: QdrantVersion) => {
  async function start(opts: Omit<StandinOptions, "version"> = {}): Promise<QdrantStandin> {
    standin = await startQdrantStandin({ version, ...opts });
    return standin;
  }

  it("creates missing collections, then their payload indexes", async () => {
    const q = await start();
    const r = await run(q.url, [DOCUMENTS, CONVERSATIONS]);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `waiting for Qdrant at ${q.url} to be ready (GET /readyz)`,
      'collection "documents": created',
      'collection "documents": index "document_id" (keyword) added',
      'collection "documents": index "upload_timestamp" (datetime) added',
      'collection "conversations": created',
      'collection "conversations": index "customer_id" (keyword) added',
      "done: 2 collection(s): 2 created, 0 updated, 0 unchanged; 3 payload index(es) added or changed",
    ]);
    expect(q.requests.map(brief)).toEqual([
      get("/readyz"),
      get("/collections/documents/exists"),
      get("/collections/conversations/exists"),
      { method: "PUT", path: "/collections/documents", query: {}, body: DOCUMENTS.config, status: 200 },
      index("documents", "document_id", "keyword"),
      index("documents", "upload_timestamp", "datetime"),
      { method: "PUT", path: "/collections/conversations", query: {}, body: CONVERSATIONS.config, status: 200 },
      index("conversations", "customer_id", "keyword"),
    ]);
    // Authentication off: no key is sent.
    expect(q.requests.filter((x) => "api-key" in x.headers || "authorization" in x.headers)).toEqual([]);
    expect(q.state.info("documents")).toMatchObject({
      config: {
        params: { vectors: { size: 1536, distance: "Cosine" }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 20000 },
        optimizer_config: { default_segment_number: 2 },
        quantization_config: { scalar: { type: "int8", always_ram: true } },
      },
      payload_schema: { document_id: { data_type: "keyword", points: 0 }, upload_timestamp: { data_type: "datetime", points: 0 } },
    });
    expect(q.state.info("conversations")).toMatchObject({ config: { quantization_config: null }, payload_schema: { customer_id: { data_type: "keyword" } } });
    expect(q.violations).toEqual([]);
  });

  it("only reads on a re-run with nothing to change", async () => {
    const q = await start();
    expect((await run(q.url, [DOCUMENTS, CONVERSATIONS])).code).toBe(0);
    q.clearRequests();
    const r = await run(q.url, [DOCUMENTS, CONVERSATIONS]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(1)).toEqual([
      'collection "documents": unchanged',
      'collection "conversations": unchanged',
      "done: 2 collection(s): 0 created, 0 updated, 2 unchanged; 0 payload index(es) added or changed",
    ]);
    expect(q.writes()).toEqual([]);
    expect(q.requests.map(brief)).toEqual([
      get("/readyz"),
      get("/collections/documents/exists"),
      get("/collections/documents"),
      get("/collections/conversations/exists"),
      get("/collections/conversations"),
    ]);
    expect(q.violations).toEqual([]);
  });

  it("treats a 409 from a concurrent creator as success and still adds the indexes", async () => {
    const q = await start();
    q.raceNextCreate("documents");
    const r = await run(q.url, [DOCUMENTS]);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(1, -1)).toEqual([
      'collection "documents": created meanwhile by another client (409 Conflict); checking its settings',
      'collection "documents": index "document_id" (keyword) added',
      'collection "documents": index "upload_timestamp" (datetime) added',
    ]);
    expect(q.writes().map(brief)).toEqual([
      { method: "PUT", path: "/collections/documents", query: {}, body: DOCUMENTS.config, status: 409 },
      index("documents", "document_id", "keyword"),
      index("documents", "upload_timestamp", "datetime"),
    ]);
    expect(q.violations).toEqual([]);
  });

  it("reconciles a concurrent creator's different settings after the 409", async () => {
    const q = await start();
    q.raceNextCreate("documents", { vectors: { size: 1536, distance: "Cosine" }, hnsw_config: { m: 8 } });
    const r = await run(q.url, [DOCUMENTS]);
    expect(r.code).toBe(0);
    expect(r.lines).toContain(
      'collection "documents": updated hnsw_config.m, hnsw_config.full_scan_threshold, quantization_config, optimizers_config.default_segment_number',
    );
    expect(q.writes().find((w) => w.method === "PATCH")?.body).toEqual({
      hnsw_config: { m: 16, full_scan_threshold: 20000 },
      quantization_config: { scalar: { type: "int8", always_ram: true } },
      optimizers_config: { default_segment_number: 2 },
    });
    expect(q.violations).toEqual([]);
  });

  it("PATCHes only the mutable settings that differ, fixes index types, and converges", async () => {
    const q = await start();
    q.state.create("documents", {
      vectors: { size: 1536, distance: "Cosine", on_disk: false },
      on_disk_payload: false,
      hnsw_config: { m: 8 },
      quantization_config: { scalar: { type: "int8", quantile: 0.99 } },
      optimizers_config: { default_segment_number: 5, indexing_threshold: 5000 },
    });
    q.state.createIndex("documents", { field_name: "document_id", field_schema: "keyword" });
    q.state.createIndex("documents", { field_name: "upload_timestamp", field_schema: "keyword" });
    q.state.addPoints("documents", 10);
    const wanted = { ...DOCUMENTS, config: { ...DOCUMENTS.config, vectors: { size: 1536, distance: "Cosine", on_disk: true }, replication_factor: 2 } };

    const r = await run(q.url, [wanted]);
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(1)).toEqual([
      'collection "documents": updated vectors.on_disk, on_disk_payload, hnsw_config.m, hnsw_config.full_scan_threshold, quantization_config, optimizers_config.default_segment_number, replication_factor',
      'collection "documents": Qdrant now rebuilds, in the background and on every replica at once, the segments these settings change: CPU, and disk for a copy of each segment it rebuilds; the collection serves meanwhile (status yellow until done)',
      'collection "documents": replication_factor is only the setting: Qdrant adds or drops no replica of the existing shards by itself; replicate each shard to another peer (replicate_shard) or drop the surplus ones (README, "Scaling and sizing")',
      'collection "documents": index "upload_timestamp" changed from keyword to datetime',
      "done: 1 collection(s): 0 created, 1 updated, 0 unchanged; 1 payload index(es) added or changed",
    ]);
    expect(q.writes().map(brief)).toEqual([
      {
        method: "PATCH",
        path: "/collections/documents",
        query: {},
        body: {
          vectors: { "": { on_disk: true } },
          params: { on_disk_payload: true, replication_factor: 2 },
          hnsw_config: { m: 16, full_scan_threshold: 20000 },
          quantization_config: { scalar: { type: "int8", always_ram: true } },
          optimizers_config: { default_segment_number: 2 },
        },
        status: 200,
      },
      index("documents", "upload_timestamp", "datetime"),
    ]);
    expect(q.state.info("documents")).toMatchObject({
      points_count: 10,
      config: {
        params: { vectors: { size: 1536, distance: "Cosine", on_disk: true }, on_disk_payload: true, replication_factor: 2 },
        hnsw_config: { m: 16, full_scan_threshold: 20000 },
        // Keys the config does not set are not managed: indexing_threshold stays as it was.
        optimizer_config: { default_segment_number: 2, indexing_threshold: 5000 },
        quantization_config: { scalar: { type: "int8", always_ram: true } },
      },
      payload_schema: { document_id: { data_type: "keyword" }, upload_timestamp: { data_type: "datetime" } },
    });

    q.clearRequests();
    const again = await run(q.url, [wanted]);
    expect(again.lines[1]).toBe('collection "documents": unchanged');
    expect(q.writes()).toEqual([]);
    expect(q.violations).toEqual([]);
  });

  it("says nothing of rebuilds or replicas for a PATCH that starts neither (optimizer settings, max_indexing_threads)", async () => {
    const q = await start();
    q.state.create("documents", { ...DOCUMENTS.config, hnsw_config: { m: 16, full_scan_threshold: 20000, max_indexing_threads: 0 }, quantization_config: { scalar: { type: "int8", always_ram: true } }, optimizers_config: { default_segment_number: 5 } });
    // max_indexing_threads changes how an index is built, not the index: Qdrant rebuilds nothing for it.
    const entry = { ...DOCUMENTS, config: { ...DOCUMENTS.config, hnsw_config: { ...DOCUMENTS.config.hnsw_config, max_indexing_threads: 2 } }, payload_indexes: [] };
    const r = await run(q.url, [entry]);
    expect(r.errorLines).toEqual([]);
    expect(r.lines.slice(1)).toEqual([
      'collection "documents": updated hnsw_config.max_indexing_threads, optimizers_config.default_segment_number',
      "done: 1 collection(s): 0 created, 1 updated, 0 unchanged; 0 payload index(es) added or changed",
    ]);
  });

  it("PATCHes named vectors under their names", async () => {
    const q = await start();
    q.state.create("multi", { vectors: { text: { size: 4, distance: "Dot" }, image: { size: 8, distance: "Euclid" } } });
    const wanted = {
      name: "multi",
      config: { vectors: { text: { size: 4, distance: "Dot", on_disk: true, hnsw_config: { m: 32 } }, image: { size: 8, distance: "Euclid" } } },
      payload_indexes: [],
    };
    const r = await run(q.url, [wanted]);
    expect(r.code).toBe(0);
    expect(r.lines[1]).toBe('collection "multi": updated vectors.text.on_disk, vectors.text.hnsw_config.m');
    expect(q.writes().map((w) => w.body)).toEqual([{ vectors: { text: { on_disk: true, hnsw_config: { m: 32 } } } }]);
    expect(q.state.info("multi")).toMatchObject({ config: { params: { vectors: { text: { on_disk: true, hnsw_config: { m: 32 } } } } } });
    expect(q.violations).toEqual([]);
  });

  it("fails on drift it cannot fix in place, naming collection, setting and both values, and writes nothing", async () => {
    const q = await start();
    q.state.create("documents", { vectors: { size: 768, distance: "Dot" }, shard_number: 2, hnsw_config: { m: 8 } });
    q.state.create("conversations", { vectors: { size: 3072, distance: "Cosine" } });
    const notes = { name: "notes", config: { vectors: { size: 4, distance: "Cosine" } }, payload_indexes: [] };
    const r = await run(q.url, [DOCUMENTS, CONVERSATIONS, notes]);
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      `collection-init: error: collection "documents": vectors.size is 768 in Qdrant but 1536 in the config; ${FIXED}`,
      `collection-init: error: collection "documents": vectors.distance is "Dot" in Qdrant but "Cosine" in the config; ${FIXED}`,
      `collection-init: error: collection "documents": shard_number is 2 in Qdrant but 1 in the config; ${FIXED}`,
      `collection-init: error: collection "conversations": vectors.size is 3072 in Qdrant but 1536 in the config; ${FIXED}`,
      "collection-init: error: 4 setting(s) differ in ways Qdrant cannot change in place; nothing was changed",
    ]);
    expect(q.writes()).toEqual([]);
    expect(q.state.collections.has("notes")).toBe(false);
    expect(q.violations).toEqual([]);
  });

  it("times out clearly when the expected peers do not join", async () => {
    const q = await start({ peers: 1 });
    const r = await run(q.url, [DOCUMENTS], { EXPECTED_PEERS: "3", WAIT_TIMEOUT_SECONDS: "0.5" });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual(["collection-init: error: timed out after 0.5s waiting for GET /cluster to list 3 peers (last seen: 1 of 3 peers)"]);
    expect(q.requests.filter((x) => x.path.startsWith("/collections"))).toEqual([]);
    expect(q.violations).toEqual([]);
  });

  it("waits for peers that join while it waits, before touching collections", async () => {
    const q = await start({ peers: 1, peersJoin: { afterClusterRequests: 2, peers: 3 } });
    const r = await run(q.url, [DOCUMENTS], { EXPECTED_PEERS: "3" });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.slice(1, 3)).toEqual(["waiting for 3 peers (GET /cluster)", "cluster has 3 peers"]);
    expect(q.requests.slice(0, 5).map((x) => x.path)).toEqual(["/readyz", "/cluster", "/cluster", "/cluster", "/collections/documents/exists"]);
    expect(q.violations).toEqual([]);
  });

  it("fails at once when peers are expected but cluster mode is off", async () => {
    const q = await start();
    const r = await run(q.url, [DOCUMENTS], { EXPECTED_PEERS: "2" });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([`collection-init: error: EXPECTED_PEERS is 2 but Qdrant at ${q.url} runs with cluster mode disabled`]);
    expect(q.writes()).toEqual([]);
  });

  it("waits until /readyz answers 2xx, and times out naming it", async () => {
    const q = await start({ notReadyForRequests: 2 });
    expect((await run(q.url, [DOCUMENTS])).code).toBe(0);
    expect(q.requests.filter((x) => x.path === "/readyz").map((x) => x.status)).toEqual([503, 503, 200]);

    q.setReady(false);
    const r = await run(q.url, [DOCUMENTS], { WAIT_TIMEOUT_SECONDS: "0.5" });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual(["collection-init: error: timed out after 0.5s waiting for GET /readyz to answer 2xx (last seen: HTTP 503)"]);
    expect(q.violations).toEqual([]);
  });

  it("sends the API key on every request, never in curl's arguments or the output", async () => {
    const key = "k3y-With\"Quote\\AndBackslash";
    const q = await start({ apiKey: key });
    // A curl on PATH that logs its arguments (what `ps` would show), then runs the real one.
    const shimDir = fs.mkdtempSync(path.join(dir, "shim-"));
    const argsLog = path.join(shimDir, "args.log");
    const realCurl = fs.existsSync("/usr/bin/curl") ? "/usr/bin/curl" : "curl";
    fs.writeFileSync(path.join(shimDir, "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nexec ${realCurl} "$@"\n`, { mode: 0o755 });
    const r = await run(q.url, [DOCUMENTS], { QDRANT_API_KEY: key, PATH: `${shimDir}:${process.env.PATH ?? ""}` });
    expect(r.errorLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(q.requests.length).toBeGreaterThan(3);
    expect(q.requests.filter((x) => x.headers["api-key"] !== key)).toEqual([]);
    expect(fs.readFileSync(argsLog, "utf8")).not.toContain("k3y");
    expect(r.stdout + r.stderr).not.toContain("k3y");
    expect(q.violations).toEqual([]);
  });

  it("fails clearly on 401 when the key is wrong", async () => {
    const q = await start({ apiKey: "right-key" });
    const r = await run(q.url, [DOCUMENTS], { QDRANT_API_KEY: "wrong-key" });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      "collection-init: error: GET /collections/documents/exists answered HTTP 401: Invalid API key or JWT (check QDRANT_API_KEY)",
    ]);
    expect(r.stdout + r.stderr).not.toContain("wrong-key");
    expect(q.writes()).toEqual([]);
  });

  it("names method, path, status and Qdrant's error text when a request fails", async () => {
    const q = await start();
    q.failNext("PUT", /^\/collections\/documents\/index$/, 500, "Service internal error: No space left on device");
    const r = await run(q.url, [DOCUMENTS]);
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual([
      "collection-init: error: PUT /collections/documents/index?wait=true answered HTTP 500: Service internal error: No space left on device",
    ]);
    expect(q.violations).toEqual([]);
  });
});

describe("collection-init.sh inputs and connection", () => {
  it("lists every input problem at once and exits 2", async () => {
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(
      file,
      JSON.stringify([{ name: "a", config: {} }, { name: "a", config: [] }, { config: {}, payload_indexes: [{ field_name: "x" }] }]),
    );
    const r = await runScript("collection-init.sh", { COLLECTIONS_FILE: file, EXPECTED_PEERS: "0" });
    expect(r.code).toBe(2);
    expect(r.errorLines).toEqual([
      "collection-init: error: QDRANT_URL is required (e.g. http://qdrant.qdrant.svc.cluster.local:6333)",
      'collection-init: error: EXPECTED_PEERS must be a whole number >= 1, got "0"',
      'collection-init: error: COLLECTIONS_FILE entry 1 ("a"): config must be an object (the body of PUT /collections/{name})',
      "collection-init: error: COLLECTIONS_FILE entry 2: name must be a non-empty string without control characters or /",
      'collection-init: error: COLLECTIONS_FILE entry 2: each payload index needs field_name (string) and field_schema (string or object), got {"field_name":"x"}',
      'collection-init: error: COLLECTIONS_FILE collection "a" is declared 2 times',
    ]);
  });

  it("times out naming /readyz when nothing listens at QDRANT_URL", async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const r = await run(`http://127.0.0.1:${port}`, [DOCUMENTS], { WAIT_TIMEOUT_SECONDS: "0.5" });
    expect(r.code).toBe(1);
    expect(r.errorLines).toEqual(["collection-init: error: timed out after 0.5s waiting for GET /readyz to answer 2xx (last seen: could not connect)"]);
  });
});
