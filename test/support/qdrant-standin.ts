/**
 * A Qdrant STAND-IN for tests: a small HTTP server on 127.0.0.1 that answers a subset of Qdrant's REST API
 * with Qdrant's response envelopes and status codes, keeps state, and checks every request it receives against
 * Qdrant's own OpenAPI document of the chosen version (1.13 or 1.19, see qdrant-openapi.ts). It is not Qdrant.
 *
 * Models:
 * - GET /, /healthz, /livez, /readyz (auth-exempt, like Qdrant); /readyz can answer 503 for a while.
 * - GET /cluster: cluster disabled, or enabled with N peers; peers can join later (setPeers, peersJoin).
 * - Collections: GET /collections, GET|PUT|PATCH|DELETE /collections/{c}, GET /collections/{c}/exists. The
 *   stored config is what GET reports in `result.config` (params, hnsw_config, optimizer_config, wal_config,
 *   quantization_config, strict_mode_config), defaults filled from that version's config.yaml (qdrant-model.ts).
 *   PATCH merges diffs like Qdrant (null/absent keys unchanged; quantization replaced, "Disabled" removes it).
 * - Payload indexes: PUT /collections/{c}/index (re-creating with another type replaces it, as Qdrant does).
 * - Points: PUT /collections/{c}/points (ids and payloads kept, vectors only dimension-checked); addPoints helper.
 * - Snapshots per collection and peer: POST (create; optionally slow, finishing after the client has gone), GET
 *   (list), GET {name} (download), DELETE, and POST /collections/{c}/snapshots/upload (multipart field `snapshot`;
 *   honours `checksum`). An upload lands in the collection's snapshot list under its multipart file name and stays
 *   there, as in Qdrant; recovery then follows Qdrant v1.19's recover.rs: a missing collection is created from the
 *   snapshot's config and payload indexes; an existing one must have the snapshot's vectors and shard_number (400
 *   "Wrong input: Snapshot is not compatible with existing collection: Collection shard number: A Snapshot shard
 *   number: B" otherwise) and keeps its own config; each local shard that is in the snapshot gets its points.
 * - Clusters (startQdrantCluster): N peers share their collections; each collection's shards are placed on peers
 *   (not shard k on peer k: Qdrant randomizes the order), each peer's snapshot holds its own shards, GET
 *   /collections/{c} counts the points of every shard, GET /collections/{c}/cluster shows the placement from that
 *   peer, POST /collections/{c}/cluster moves, replicates and drops shard replicas (the placement changes at once;
 *   a move or replication is listed as a running transfer, its target Partial, for one round of GET
 *   /collections/{c}/cluster on every peer, and a second transfer of that shard sharing a peer with it is refused
 *   with Qdrant's text, transfer/helpers.rs). A snapshot uploaded with priority=snapshot (Qdrant's default) sets the other
 *   replicas of each shard it restores to be copied again, as recover.rs and sync_local_state do: they show as
 *   Partial, with a transfer listed, for one round of GET /collections/{c}/cluster on every peer.
 * - API keys: `api-key: <key>` or `Authorization: Bearer <key>`; 401 without a valid key; the read-only key
 *   may only GET (Qdrant also lets it search; nothing here needs that).
 * - Uploaded snapshot files are kept in `uploads` (collection and bytes), so tests can compare what was restored.
 * - Faults: failNext (one-shot status for a method and path), raceNextCreate (a concurrent client creates the
 *   collection just before the next PUT, which then gets Qdrant's 409), download throttling and abortNextDownload.
 *
 * Does not model (unverified against Qdrant): search or any vector semantics, segments and optimizers (status is
 * always green), Raft and consensus timing (a cluster change is seen by every peer at once), Qdrant's hash ring (a
 * point's shard is its numeric id modulo the shard count), replica states other than the re-copy after an upload,
 * how long a transfer takes and what it copies (the points are the cluster's, not each replica's), write
 * consistency, priority=replica, the upload's temporary file under the snapshots
 * volume's tmp/ directory, aliases, shard keys, sparse-vector updates, JWT, rate limits, strict mode enforcement,
 * full-storage snapshots, Qdrant's error texts beyond the common ones (the vectors-mismatch text prints JSON where
 * Qdrant prints Rust's debug form). Snapshots are NOT Qdrant's tar format: they are a deterministic serialization of the stand-in's
 * state (optionally padded to a chosen size), verified on upload.
 *
 * Every request is recorded in `requests`; every request that fails the OpenAPI check is answered 422 and
 * recorded in `violations` (a real Qdrant would answer 400 or ignore the unknown part), so a test ends with
 * `expect(standin.violations).toEqual([])`.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { qdrantOpenApi, type QdrantVersion } from "./qdrant-openapi";
import { ClusterState, FULL_VERSIONS, QdrantError, QdrantModel, STANDIN_PEER_ID, type Obj, type Snapshot } from "./qdrant-model";
import { parseMultipart } from "./multipart";

export type { QdrantVersion } from "./qdrant-openapi";

export interface StandinOptions {
  version: QdrantVersion;
  /** When set (or readOnlyApiKey is), every request except GET /, /healthz, /livez, /readyz needs a key. */
  apiKey?: string;
  readOnlyApiKey?: string;
  /** Cluster mode with this many peers; undefined: cluster mode disabled (GET /cluster says "disabled"). */
  peers?: number;
  /** After this many GET /cluster requests, the cluster has `peers` peers (models peers joining). */
  peersJoin?: { afterClusterRequests: number; peers: number };
  /** GET /readyz answers 503 to this many requests before answering 200. */
  notReadyForRequests?: number;
  /** Filler bytes added to every snapshot, to make downloads and uploads big. */
  snapshotPaddingBytes?: number;
  /** Snapshot names carry the real time (default: a fixed clock from 2025-01-01, so names are predictable). */
  realClock?: boolean;
  /** The peer's cluster and its ordinal in it (startQdrantCluster sets this). */
  cluster?: { state: ClusterState; ordinal: number };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Only the headers that matter: api-key, authorization, content-type (when sent). */
  headers: Record<string, string>;
  /** Parsed JSON body; `{ multipart: { field: { filename, bytes } } }`; `{ bytes: n }` for other bodies; undefined if none. */
  body: unknown;
  /** The status the stand-in answered (0 while in flight or if the connection was aborted). */
  status: number;
}

export interface Violation {
  method: string;
  path: string;
  reason: string;
}

export interface QdrantStandin {
  readonly url: string;
  readonly version: QdrantVersion;
  readonly requests: RecordedRequest[];
  readonly violations: Violation[];
  /** Every snapshot file accepted by POST /collections/{c}/snapshots/upload, in order. */
  readonly uploads: { collection: string; bytes: Buffer }[];
  readonly state: QdrantModel;
  /** Recorded requests that are not GET (a re-run with nothing to do must have none). */
  writes(): RecordedRequest[];
  /** Forget recorded requests (not violations). */
  clearRequests(): void;
  /** The next request matching method and path (a regex on the decoded path) is answered `status` with Qdrant's error envelope. */
  failNext(method: string, path: RegExp, status: number, error?: string): void;
  /** Just before the next PUT /collections/{name}, a concurrent client creates it (with `body`, or the same body). */
  raceNextCreate(name: string, body?: Obj): void;
  /** Snapshot creation takes this long (undefined: instant); the file appears then, whether the client waited or not. */
  slowSnapshots(ms: number | undefined): void;
  /** Called with each request as it arrives, before it is answered (e.g. to measure a script's scratch space then). */
  onRequest(hook: ((r: RecordedRequest) => void) | undefined): void;
  /** Snapshot downloads are sent in chunks with a pause between them. */
  throttleDownloads(opts: { chunkBytes: number; delayMs: number } | undefined): void;
  /** The next snapshot download stops (connection destroyed) after this many body bytes. */
  abortNextDownload(afterBytes: number): void;
  setPeers(peers: number | undefined): void;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  download?: Buffer;
  /** The answer comes later (a slow snapshot). */
  pending?: Promise<Reply>;
}

const AUTH_EXEMPT = new Set(["/", "/healthz", "/livez", "/readyz"]);
const ok = (result: unknown, status = 200): Reply => ({ status, json: { result, status: "ok" } });

export async function startQdrantStandin(opts: StandinOptions): Promise<QdrantStandin> {
  const api = qdrantOpenApi(opts.version);
  const model = new QdrantModel(opts.version, opts.cluster?.state, opts.cluster?.ordinal);
  if (opts.realClock) model.useRealClock();
  let snapshotDelayMs: number | undefined;
  let requestHook: ((r: RecordedRequest) => void) | undefined;
  model.peers = opts.peers;
  model.snapshotPaddingBytes = opts.snapshotPaddingBytes ?? 0;
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const uploads: { collection: string; bytes: Buffer }[] = [];
  const failures: { method: string; path: RegExp; status: number; error: string }[] = [];
  const races = new Map<string, Obj | undefined>();
  let throttle: { chunkBytes: number; delayMs: number } | undefined;
  let abortAfter: number | undefined;
  let clusterRequests = 0;
  let readyzRequests = 0;
  let ready = true;

  const route = (key: string, p: Record<string, string>, body: unknown, query: URLSearchParams, multipart: ReturnType<typeof parseMultipart>): Reply => {
    const c = p.collection_name;
    switch (key) {
      case "GET /":
        return { status: 200, json: { title: "qdrant - vector search engine", version: FULL_VERSIONS[opts.version], commit: "stand-in" } };
      case "GET /healthz":
      case "GET /livez":
        return { status: 200, text: "healthz check passed" };
      case "GET /readyz":
        readyzRequests++;
        return ready && readyzRequests > (opts.notReadyForRequests ?? 0) ? { status: 200, text: "all shards are ready" } : { status: 503, text: "some shards are not ready" };
      case "GET /cluster":
        return ok(clusterStatus());
      case "GET /collections":
        return ok({ collections: [...model.collections.keys()].sort().map((name) => ({ name })) });
      case "GET /collections/{collection_name}":
        return ok(model.info(c));
      case "GET /collections/{collection_name}/exists":
        return ok({ exists: model.collections.has(c) });
      case "PUT /collections/{collection_name}":
        if (races.has(c)) {
          const racer = races.get(c) ?? (body as Obj);
          races.delete(c);
          if (!model.collections.has(c)) model.create(c, racer);
        }
        model.create(c, body as Obj);
        return ok(true);
      case "PATCH /collections/{collection_name}":
        model.update(c, body as Obj);
        return ok(true);
      case "DELETE /collections/{collection_name}":
        return ok(model.delete(c));
      case "PUT /collections/{collection_name}/index":
        model.createIndex(c, body as Obj);
        return ok({ operation_id: 0, status: "completed" });
      case "PUT /collections/{collection_name}/points":
        model.upsertPoints(c, body as Obj);
        return ok({ operation_id: 0, status: "completed" });
      case "POST /collections/{collection_name}/snapshots": {
        const describe = (s: Snapshot) => ok({ name: s.name, creation_time: s.creationTime, size: s.bytes.length, checksum: s.checksum });
        const made = model.createSnapshot(c, snapshotDelayMs);
        return made instanceof Promise ? { status: 200, pending: made.then(describe) } : describe(made);
      }
      case "GET /collections/{collection_name}/cluster":
        return ok(model.clusterInfo(c));
      case "POST /collections/{collection_name}/cluster":
        model.updateCluster(c, body as Obj);
        return ok(true);
      case "GET /collections/{collection_name}/snapshots":
        return ok(model.listSnapshots(c).map((s) => ({ name: s.name, creation_time: s.creationTime, size: s.bytes.length, checksum: s.checksum })));
      case "GET /collections/{collection_name}/snapshots/{snapshot_name}":
        return { status: 200, download: model.findSnapshot(c, p.snapshot_name).bytes };
      case "DELETE /collections/{collection_name}/snapshots/{snapshot_name}":
        model.deleteSnapshot(c, p.snapshot_name);
        return ok(true);
      case "POST /collections/{collection_name}/snapshots/upload": {
        const file = multipart?.get("snapshot");
        if (!file) throw new QdrantError(400, "Wrong input: multipart field `snapshot` is missing");
        const checksum = query.get("checksum");
        if (checksum && createHash("sha256").update(file.data).digest("hex") !== checksum) {
          throw new QdrantError(400, "Wrong input: Snapshot checksum mismatch");
        }
        model.saveUpload(c, file.filename, file.data);
        uploads.push({ collection: c, bytes: Buffer.from(file.data) });
        model.restore(c, file.data, query.get("priority") ?? "snapshot");
        return query.get("wait") === "false" ? { status: 202, json: { status: "accepted" } } : ok(true);
      }
      default:
        throw new QdrantError(501, `stand-in: ${key} exists in Qdrant's API but is not modelled`);
    }
  };

  const clusterStatus = (): Obj => {
    clusterRequests++;
    if (opts.peersJoin && clusterRequests === opts.peersJoin.afterClusterRequests + 1) model.peers = opts.peersJoin.peers;
    if (model.peers === undefined) return { status: "disabled" };
    const ids = Array.from({ length: model.peers }, (_, i) => STANDIN_PEER_ID + i);
    return {
      status: "enabled",
      peer_id: model.peerId,
      peers: Object.fromEntries(ids.map((id, i) => [String(id), { uri: `http://qdrant-${i}.qdrant-headless:6335/` }])),
      raft_info: { term: 1, commit: 10, pending_operations: 0, leader: ids[0], role: "Leader", is_voter: true },
      consensus_thread_status: { consensus_thread_status: "working", last_update: "2025-01-01T00:00:00Z" },
      message_send_failures: {},
    };
  };

  const authorize = (req: http.IncomingMessage, path: string): Reply | undefined => {
    if (!opts.apiKey && !opts.readOnlyApiKey) return undefined;
    if (req.method === "GET" && AUTH_EXEMPT.has(path)) return undefined;
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const key = (req.headers["api-key"] as string | undefined) ?? bearer;
    const err = (status: number, error: string): Reply => ({ status, json: { status: { error } } });
    if (key === undefined) return err(401, "Must provide an API key or an Authorization bearer token");
    if (opts.apiKey && key === opts.apiKey) return undefined;
    if (opts.readOnlyApiKey && key === opts.readOnlyApiKey) return req.method === "GET" ? undefined : err(403, "Forbidden: Write access is forbidden for this API key");
    return err(401, "Invalid API key or JWT");
  };

  const handle = (req: http.IncomingMessage, raw: Buffer, started: bigint): { reply: Reply; record: RecordedRequest } => {
    const url = new URL(req.url ?? "/", "http://standin");
    const method = (req.method ?? "GET").toUpperCase();
    const contentType = req.headers["content-type"];
    const isJson = /^application\/json\b/i.test(contentType ?? "");
    let json: unknown;
    if (isJson && raw.length > 0) {
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        json = undefined;
      }
    }
    const multipart = /^multipart\/form-data\b/i.test(contentType ?? "") ? parseMultipart(contentType ?? "", raw) : undefined;
    const headers: Record<string, string> = {};
    for (const h of ["api-key", "authorization", "content-type"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
    const record: RecordedRequest = {
      method,
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers,
      body: multipart
        ? { multipart: Object.fromEntries([...multipart].map(([k, v]) => [k, { filename: v.filename, bytes: v.data.length }])) }
        : raw.length === 0
          ? undefined
          : (json ?? { bytes: raw.length }),
      status: 0,
    };
    requests.push(record);
    requestHook?.(record);
    const check = api.check({ method, path: url.pathname, query: url.searchParams, contentType, bodyLength: raw.length, json });
    if (multipart && !multipart.has("snapshot") && check.template?.endsWith("/snapshots/upload")) {
      check.violations.push(`${method} ${check.template}: multipart body has no field "snapshot" (fields: ${[...multipart.keys()].join(", ") || "none"})`);
    }
    for (const reason of check.violations) violations.push({ method, path: record.path, reason });
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const denied = authorize(req, url.pathname);
    let reply: Reply;
    if (denied) {
      reply = denied;
    } else if (check.violations.length > 0 || !check.template) {
      reply = { status: 422, json: { status: { error: `stand-in: not a valid Qdrant ${opts.version} request: ${check.violations.join("; ")}` } } };
    } else {
      const fault = failures.findIndex((f) => f.method === method && f.path.test(record.path));
      if (fault >= 0) {
        const [f] = failures.splice(fault, 1);
        reply = { status: f.status, json: { status: { error: f.error } } };
      } else {
        try {
          reply = route(`${method} ${check.template}`, check.pathParams, json, url.searchParams, multipart);
        } catch (e) {
          if (!(e instanceof QdrantError)) throw e;
          reply = { status: e.status, json: { status: { error: e.message } } };
        }
      }
    }
    if (reply.json && typeof reply.json === "object") (reply.json as Obj).time = elapsed();
    record.status = reply.status;
    return { reply, record };
  };

  const send = async (res: http.ServerResponse, reply: Reply, record: RecordedRequest): Promise<void> => {
    if (reply.download) {
      const bytes = reply.download;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      const stopAt = abortAfter;
      abortAfter = undefined;
      const chunk = throttle?.chunkBytes ?? 1 << 20;
      for (let sent = 0; sent < bytes.length; sent += chunk) {
        const end = Math.min(bytes.length, sent + chunk, stopAt ?? Infinity);
        if (end > sent && !res.write(bytes.subarray(sent, end))) await new Promise((r) => res.once("drain", r));
        if (stopAt !== undefined && end >= stopAt) {
          record.status = 0;
          await new Promise((r) => setTimeout(r, 20));
          res.destroy();
          return;
        }
        if (throttle) await new Promise((r) => setTimeout(r, throttle?.delayMs));
      }
      res.end();
    } else if (reply.text !== undefined) {
      res.writeHead(reply.status, { "content-type": "text/plain" }).end(reply.text);
    } else {
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.json));
    }
  };

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const { reply, record } = handle(req, Buffer.concat(chunks), started);
        (reply.pending ?? Promise.resolve(reply)).then((r) => send(res, r, record)).catch(() => res.destroy());
      } catch (e) {
        // A bug in the stand-in: fail the test through `violations` and answer, so the client does not hang.
        violations.push({ method: req.method ?? "?", path: req.url ?? "?", reason: `stand-in internal error: ${String(e)}` });
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ status: { error: `stand-in internal error: ${String(e)}` }, time: 0 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    version: opts.version,
    requests,
    violations,
    uploads,
    state: model,
    writes: () => requests.filter((r) => r.method !== "GET"),
    clearRequests: () => void requests.splice(0),
    failNext: (method, path, status, error = `stand-in: injected failure (${status})`) => void failures.push({ method: method.toUpperCase(), path, status, error }),
    raceNextCreate: (name, body) => void races.set(name, body),
    slowSnapshots: (ms) => void (snapshotDelayMs = ms),
    onRequest: (hook) => void (requestHook = hook),
    throttleDownloads: (t) => void (throttle = t),
    abortNextDownload: (afterBytes) => void (abortAfter = afterBytes),
    setPeers: (peers) => void (model.peers = peers),
    setReady: (r) => void (ready = r),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The peers of one Qdrant cluster (a StatefulSet's pods), each its own server at its own URL, sharing the
 * collections as a real cluster's peers do through consensus; GET /cluster on each reports all of them.
 */
export async function startQdrantCluster(peers: number, opts: Omit<StandinOptions, "peers" | "cluster">): Promise<QdrantStandin[]> {
  const state = new ClusterState(peers);
  return Promise.all(Array.from({ length: peers }, (_, ordinal) => startQdrantStandin({ ...opts, peers, cluster: { state, ordinal } })));
}
