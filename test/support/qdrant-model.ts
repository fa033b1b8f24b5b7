/**
 * The state behind the Qdrant stand-in: collections with their configuration as Qdrant reports it, payload
 * indexes, points (ids and payloads only) and collection snapshots. See qdrant-standin.ts for what this models
 * and what it does not.
 *
 * Defaults for what a create body omits come from Qdrant's reference config.yaml of the chosen version
 * (test/fixtures/qdrant/config-v1.13.2.yaml, config-v1.19.0.yaml; `*_kb` keys there are the API's names without
 * the suffix), then from the `default` of the property in that version's OpenAPI schema (e.g. 1.19's
 * `wal_retain_closed`).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { QDRANT_DOCS_DIR, qdrantOpenApi, type QdrantVersion } from "./qdrant-openapi";

export type Obj = Record<string, unknown>;

export interface PayloadIndex {
  data_type: string;
  params?: Obj;
}

export interface CollectionState {
  /** `result.config` of GET /collections/{c}: params, hnsw_config, optimizer_config, wal_config, quantization_config, … */
  config: Obj;
  payloadSchema: Record<string, PayloadIndex>;
  /** point id (as JSON text) → payload; a point lives in shard `shardOf(id, shard_number)` */
  points: Map<string, Obj | null>;
  /** shard id → the ordinals of the peers holding a replica of it */
  placement: number[][];
  /**
   * Shard transfers running: a move or replication (`updateCluster`), or a replica copied again after a snapshot went
   * in on another peer (`restore`). The target is Partial, and the transfer listed, for `rounds` more
   * GET /collections/{c}/cluster answers (counted on any peer).
   */
  transfers?: { shard: number; from: number; to: number; rounds: number }[];
}

/**
 * What the peers of one cluster share: the collections (their config, payload indexes, placement and points). Each
 * peer (a QdrantModel with its ordinal) keeps its own snapshot files, as each Qdrant peer has its own disk.
 */
export class ClusterState {
  readonly collections = new Map<string, CollectionState>();
  constructor(readonly size: number) {}
}

/**
 * The shard a point id lives in. Qdrant hashes ids onto a ring (lib/collection/src/hash_ring.rs); the stand-in takes a
 * numeric id modulo the shard count, and the first byte of a string id's sha256: spread out, not Qdrant's placement.
 */
export function shardOf(idJson: string, shardNumber: number): number {
  const id = JSON.parse(idJson) as unknown;
  const n = typeof id === "number" ? id : createHash("sha256").update(String(id)).digest()[0];
  return n % shardNumber;
}

export interface Snapshot {
  name: string;
  creationTime: string;
  bytes: Buffer;
  checksum: string;
}

/** A client error Qdrant answers with this status and message. */
export class QdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CONFIG_FILES: Record<QdrantVersion, string> = { "1.13": "config-v1.13.2.yaml", "1.19": "config-v1.19.0.yaml" };
export const FULL_VERSIONS: Record<QdrantVersion, string> = { "1.13": "1.13.2", "1.19": "1.19.0" };
const SNAPSHOT_MAGIC = "QDRANT-STANDIN-SNAPSHOT/1\n";
/** A fixed peer id, so snapshot names are deterministic. */
export const STANDIN_PEER_ID = 5817398316472193;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** Qdrant's config diffs: a null or absent key leaves the current value unchanged. */
export function mergeDiff(current: unknown, diff: unknown): Obj {
  const out: Obj = isObj(current) ? clone(current) : {};
  if (isObj(diff)) for (const [k, v] of Object.entries(diff)) if (v !== null && v !== undefined) out[k] = clone(v);
  return out;
}

/** JSON with object keys sorted, so equal states serialize to equal bytes. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

interface Defaults {
  hnsw: Obj;
  optimizer: Obj;
  wal: Obj;
  onDiskPayload: boolean;
  replicationFactor: number;
  writeConsistencyFactor: number;
  strictMode: Obj | undefined;
}

function withSchemaDefaults(version: QdrantVersion, schemaName: string, values: Obj): Obj {
  const schemas = (qdrantOpenApi(version).doc.components as Obj).schemas as Record<string, { properties?: Record<string, Obj> }>;
  const out = { ...values };
  for (const [k, prop] of Object.entries(schemas[schemaName].properties ?? {})) {
    if (!(k in out) && prop.default !== undefined && prop.default !== null) out[k] = prop.default;
  }
  return out;
}

/** Collection defaults of one Qdrant version, read from its reference config.yaml. */
export function loadDefaults(version: QdrantVersion): Defaults {
  const yaml = parseYaml(fs.readFileSync(path.join(QDRANT_DOCS_DIR, CONFIG_FILES[version]), "utf8")) as { storage: Obj };
  const storage = yaml.storage;
  const unKb = (o: Obj): Obj => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_kb$/, ""), v]));
  // Qdrant leaves unset optional HNSW keys (payload_m) out of its answer; unset optimizer keys it reports as null.
  const setOnly = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
  const collection = (storage.collection ?? {}) as Obj;
  return {
    hnsw: withSchemaDefaults(version, "HnswConfig", setOnly(unKb(storage.hnsw_index as Obj))),
    optimizer: withSchemaDefaults(version, "OptimizersConfig", unKb(storage.optimizers as Obj)),
    wal: withSchemaDefaults(version, "WalConfig", storage.wal as Obj),
    onDiskPayload: storage.on_disk_payload as boolean,
    replicationFactor: collection.replication_factor as number,
    writeConsistencyFactor: collection.write_consistency_factor as number,
    strictMode: isObj(collection.strict_mode) ? { enabled: collection.strict_mode.enabled } : undefined,
  };
}

export class QdrantModel {
  /** This peer's snapshot files, per collection (Qdrant's <snapshots_path>/<collection>/). */
  readonly snapshots = new Map<string, Snapshot[]>();
  /** Number of peers GET /cluster reports in cluster mode; undefined means cluster mode is disabled. */
  peers: number | undefined;
  /** Extra bytes appended to every snapshot (deterministic filler), to make transfers big. */
  snapshotPaddingBytes = 0;
  private readonly defaults: Defaults;
  private clock = Date.UTC(2025, 0, 1, 0, 0, 0);
  private realClock = false;

  /**
   * @param cluster the collections this peer shares with the other peers of its cluster (its own by default)
   * @param ordinal this peer's place in the cluster (its StatefulSet ordinal)
   */
  constructor(
    readonly version: QdrantVersion,
    readonly cluster: ClusterState = new ClusterState(1),
    readonly ordinal = 0,
  ) {
    this.defaults = loadDefaults(version);
  }

  get collections(): Map<string, CollectionState> {
    return this.cluster.collections;
  }

  /** This peer's id: what GET /cluster and GET /collections/{c}/cluster report, and what snapshot names carry. */
  get peerId(): number {
    return STANDIN_PEER_ID + this.ordinal;
  }

  /** Set the clock that names snapshots (default: 2025-01-01, one second further per snapshot). */
  useRealClock(): void {
    this.realClock = true;
  }

  /**
   * Where a new collection's shards go. Qdrant spreads shards evenly over the peers in an order it randomizes
   * (ShardDistributionProposal in lib/storage/src/content_manager/shard_distribution.rs), so shard k is on no
   * particular ordinal; the stand-in starts at ordinal 1 (wrapping), so a script that assumes shard k sits on peer k
   * is caught. Replicas go on the following ordinals.
   */
  placeShards(shardNumber: number, replicationFactor: number): number[][] {
    const size = this.cluster.size;
    const replicas = Math.min(replicationFactor, size);
    return Array.from({ length: shardNumber }, (_, k) => Array.from({ length: replicas }, (_, j) => (k + 1 + j) % size));
  }

  /** Shard ids of a collection with a replica on this peer. */
  localShards(name: string): number[] {
    return this.get(name)
      .placement.map((owners, shard) => (owners.includes(this.ordinal) ? shard : -1))
      .filter((shard) => shard >= 0);
  }

  /** The points of a collection that live in this peer's shards. */
  localPoints(name: string): [string, Obj | null][] {
    const c = this.get(name);
    const local = new Set(this.localShards(name));
    const shards = (c.config.params as Obj).shard_number as number;
    return [...c.points.entries()].filter(([id]) => local.has(shardOf(id, shards)));
  }

  get(name: string): CollectionState {
    const c = this.collections.get(name);
    if (!c) throw new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  /** PUT /collections/{name}: the config Qdrant stores, with defaults filled in. */
  create(name: string, body: Obj): void {
    if (this.collections.has(name)) throw new QdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const d = this.defaults;
    const params: Obj = {
      vectors: clone(body.vectors ?? {}),
      shard_number: body.shard_number ?? this.peers ?? 1,
      ...(body.sharding_method ? { sharding_method: body.sharding_method } : {}),
      replication_factor: body.replication_factor ?? d.replicationFactor,
      write_consistency_factor: body.write_consistency_factor ?? d.writeConsistencyFactor,
      on_disk_payload: body.on_disk_payload ?? d.onDiskPayload,
      ...(body.sparse_vectors ? { sparse_vectors: clone(body.sparse_vectors) } : {}),
    };
    const config: Obj = {
      params,
      hnsw_config: mergeDiff(d.hnsw, body.hnsw_config),
      optimizer_config: mergeDiff(d.optimizer, body.optimizers_config),
      wal_config: mergeDiff(d.wal, body.wal_config),
      quantization_config: clone(body.quantization_config ?? null),
    };
    const strict = body.strict_mode_config ?? d.strictMode;
    if (strict) config.strict_mode_config = clone(strict);
    const placement = this.placeShards(params.shard_number as number, params.replication_factor as number);
    this.collections.set(name, { config, payloadSchema: {}, points: new Map(), placement });
  }

  /** PATCH /collections/{name} (UpdateCollection): diffs merge, quantization replaces ("Disabled" removes). */
  update(name: string, body: Obj): void {
    const c = this.get(name);
    const config = clone(c.config);
    const params = config.params as Obj;
    if (isObj(body.vectors)) {
      for (const [vectorName, diff] of Object.entries(body.vectors)) {
        const single = isObj(params.vectors) && "size" in params.vectors;
        const target = single ? (vectorName === "" ? params.vectors : undefined) : (params.vectors as Obj)[vectorName];
        if (!isObj(target) || !isObj(diff)) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${vectorName}`);
        for (const [k, v] of Object.entries(diff)) {
          if (v === null || v === undefined) continue;
          if (k === "hnsw_config") target.hnsw_config = mergeDiff(target.hnsw_config, v);
          else if (k === "quantization_config" && v === "Disabled") delete target.quantization_config;
          else target[k] = clone(v);
        }
      }
    }
    if (isObj(body.params)) config.params = mergeDiff(params, body.params);
    if (isObj(body.hnsw_config)) config.hnsw_config = mergeDiff(config.hnsw_config, body.hnsw_config);
    if (isObj(body.optimizers_config)) config.optimizer_config = mergeDiff(config.optimizer_config, body.optimizers_config);
    if (body.quantization_config !== undefined && body.quantization_config !== null) {
      config.quantization_config = body.quantization_config === "Disabled" ? null : clone(body.quantization_config);
    }
    if (isObj(body.strict_mode_config)) config.strict_mode_config = mergeDiff(config.strict_mode_config, body.strict_mode_config);
    c.config = config;
  }

  /** PUT /collections/{name}/index: creates the index, or replaces it when the schema differs (as Qdrant does). */
  createIndex(name: string, body: Obj): void {
    const c = this.get(name);
    const field = body.field_name as string;
    const schema = body.field_schema;
    if (schema === undefined || schema === null) {
      throw new QdrantError(400, "Wrong input: the stand-in needs field_schema (Qdrant would infer it from stored payloads)");
    }
    c.payloadSchema[field] = typeof schema === "string" ? { data_type: schema } : { data_type: (schema as Obj).type as string, params: clone(schema as Obj) };
  }

  /** PUT /collections/{name}/points: PointsList or PointsBatch; checks the dimension of an unnamed dense vector. */
  upsertPoints(name: string, body: Obj): void {
    const c = this.get(name);
    const vectors = (c.config.params as Obj).vectors as Obj;
    const checkVector = (v: unknown) => {
      if (Array.isArray(v) && typeof v[0] === "number" && typeof vectors.size === "number" && v.length !== vectors.size) {
        throw new QdrantError(400, `Wrong input: Vector dimension error: expected dim: ${vectors.size}, got ${v.length}`);
      }
    };
    const points: [unknown, unknown, unknown][] = Array.isArray(body.points)
      ? (body.points as Obj[]).map((p) => [p.id, p.vector, p.payload])
      : (((body.batch as Obj).ids as unknown[]) ?? []).map((id, i) => {
          const b = body.batch as Obj;
          return [id, Array.isArray(b.vectors) ? b.vectors[i] : undefined, Array.isArray(b.payloads) ? b.payloads[i] : undefined];
        });
    points.forEach(([, v]) => checkVector(v));
    for (const [id, , payload] of points) c.points.set(JSON.stringify(id), isObj(payload) ? clone(payload) : null);
  }

  /** Test helper: adds `count` points with ids after the largest numeric id, each with `payload`. */
  addPoints(name: string, count: number, payload: Obj | null = null): void {
    const c = this.get(name);
    let next = Math.max(0, ...[...c.points.keys()].map((k) => Number(k)).filter(Number.isInteger)) + 1;
    for (let i = 0; i < count; i++) c.points.set(JSON.stringify(next++), payload && clone(payload));
  }

  /** The `result` of GET /collections/{name}. */
  info(name: string): Obj {
    const c = this.get(name);
    const payloadSchema = Object.fromEntries(
      Object.entries(c.payloadSchema).map(([field, idx]) => [
        field,
        { ...clone(idx), points: [...c.points.values()].filter((p) => p !== null && field in p).length },
      ]),
    );
    return {
      status: "green",
      optimizer_status: "ok",
      indexed_vectors_count: 0,
      points_count: c.points.size,
      segments_count: 1,
      config: clone(c.config),
      payload_schema: payloadSchema,
    };
  }

  /** Deterministic bytes of this peer's part of a collection: config, payload indexes, its shards and their points (not Qdrant's tar format). */
  serialize(name: string): Buffer {
    const c = this.get(name);
    const state = {
      config: c.config,
      payload_schema: c.payloadSchema,
      shards: this.localShards(name),
      points: this.localPoints(name)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, payload]) => [JSON.parse(id), payload]),
      padding: this.snapshotPaddingBytes,
    };
    return Buffer.concat([Buffer.from(SNAPSHOT_MAGIC + stableJson(state) + "\n"), filler(this.snapshotPaddingBytes)]);
  }

  /**
   * POST /collections/{name}/snapshots: named `<collection>-<peer id>-<UTC time the creation started>.snapshot`, as
   * Collection::create_snapshot names it (lib/collection/src/collection/snapshots.rs). With `delayMs`, the file
   * appears only after that long (Qdrant finishes a snapshot even when the client has gone).
   */
  createSnapshot(name: string, delayMs = 0): Promise<Snapshot> | Snapshot {
    const bytes = this.serialize(name);
    this.clock += 1000;
    const iso = new Date(this.realClock ? Date.now() : this.clock).toISOString().slice(0, 19);
    const snapshot: Snapshot = {
      name: `${name}-${this.peerId}-${iso.replace(/[T:]/g, "-")}.snapshot`,
      creationTime: iso,
      bytes,
      checksum: createHash("sha256").update(bytes).digest("hex"),
    };
    const store = () => {
      this.snapshots.set(name, [...(this.snapshots.get(name) ?? []), snapshot]);
      return snapshot;
    };
    return delayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(store()), delayMs)) : store();
  }

  /**
   * An uploaded snapshot file lands in the collection's snapshot folder under its multipart file name (only the last
   * path part; a UUID when there is none) and stays there after recovery: do_save_uploaded_snapshot in
   * src/actix/api/snapshot_api.rs moves it to <snapshots_path>/<collection>/<name>, and download_snapshot
   * (lib/storage/src/content_manager/snapshots/download.rs) hands a file:// location back as a persistent path.
   */
  saveUpload(name: string, filename: string | undefined, bytes: Buffer): Snapshot {
    const base = filename?.split("/").pop() || `${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`;
    const snapshot: Snapshot = {
      name: base,
      creationTime: new Date(this.realClock ? Date.now() : this.clock).toISOString().slice(0, 19),
      bytes: Buffer.from(bytes),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    };
    // A file of the same name is replaced (move_file).
    this.snapshots.set(name, [...(this.snapshots.get(name) ?? []).filter((s) => s.name !== base), snapshot]);
    return snapshot;
  }

  listSnapshots(name: string): Snapshot[] {
    this.get(name);
    return this.snapshots.get(name) ?? [];
  }

  findSnapshot(name: string, snapshotName: string): Snapshot {
    const s = this.listSnapshots(name).find((x) => x.name === snapshotName);
    if (!s) throw new QdrantError(404, `Not found: Snapshot ${snapshotName} not found`);
    return s;
  }

  deleteSnapshot(name: string, snapshotName: string): void {
    const s = this.findSnapshot(name, snapshotName);
    this.snapshots.set(name, this.listSnapshots(name).filter((x) => x !== s));
  }

  /**
   * Recovery from snapshot bytes on this peer, as _do_recover_from_snapshot does it
   * (lib/storage/src/content_manager/snapshots/recover.rs): a missing collection is first created from the snapshot's
   * config and payload indexes (shards placed as for any new collection); an existing one must have the snapshot's
   * vectors and shard number, else 400 with Qdrant's text; then every shard the snapshot holds data for is restored
   * onto this peer, which becomes an Active holder of it whether or not it held a replica before
   * (ReplicaSet::restore_local_replica_from in shards/replica_set/snapshots.rs returns false only when the snapshot has
   * no data for the shard; activate_shard in recover.rs); this peer's other shards are left as they are ("Shard is not
   * in snapshot"). An existing collection keeps its own config and payload indexes.
   */
  restore(name: string, bytes: Buffer, priority = "snapshot"): void {
    if (priority !== "snapshot" && priority !== "no_sync") throw new QdrantError(501, `stand-in: priority=${priority} is not modelled`);
    const state = parseSnapshot(bytes);
    const snapshotParams = state.config.params as Obj;
    if (!this.collections.has(name)) {
      const params = snapshotParams;
      const placement = this.placeShards(params.shard_number as number, params.replication_factor as number);
      this.collections.set(name, { config: clone(state.config), payloadSchema: clone(state.payload_schema), points: new Map(), placement });
    }
    const c = this.get(name);
    const params = c.config.params as Obj;
    if (stableJson(params.vectors) !== stableJson(snapshotParams.vectors)) {
      // Qdrant prints both with Rust's {:?}; the stand-in prints JSON (the text after "Collection vectors: " is not Qdrant's).
      throw new QdrantError(
        400,
        `Wrong input: Snapshot is not compatible with existing collection: Collection vectors: ${JSON.stringify(params.vectors)} Snapshot Vectors: ${JSON.stringify(snapshotParams.vectors)}`,
      );
    }
    if (params.shard_number !== snapshotParams.shard_number) {
      throw new QdrantError(
        400,
        `Wrong input: Snapshot is not compatible with existing collection: Collection shard number: ${params.shard_number} Snapshot shard number: ${snapshotParams.shard_number}`,
      );
    }
    const shards = params.shard_number as number;
    const recovered = new Set(state.shards.filter((shard) => shard < c.placement.length));
    for (const shard of recovered) if (!c.placement[shard].includes(this.ordinal)) c.placement[shard] = [...c.placement[shard], this.ordinal].sort((a, b) => a - b);
    if ((c.transfers ?? []).length > 0) this.uploadsDuringTransfers++;
    for (const id of [...c.points.keys()]) if (recovered.has(shardOf(id, shards))) c.points.delete(id);
    for (const [id, payload] of state.points) {
      const key = JSON.stringify(id);
      if (recovered.has(shardOf(key, shards))) c.points.set(key, payload);
    }
    // recover.rs (v1.19.0, _do_recover_from_snapshot, SnapshotPriority::Snapshot): the recovered replica is activated;
    // of the shard's other Active replicas, those beyond replication_factor - 1 are removed and the rest set Dead;
    // Collection::sync_local_state (collection/mod.rs) then copies each Dead replica again from an Active one.
    // no_sync activates without touching the others.
    if (priority !== "snapshot") return;
    const rf = (params.replication_factor as number | undefined) ?? 1;
    c.transfers ??= [];
    for (const shard of recovered) {
      const copying = new Set(c.transfers.filter((r) => r.shard === shard).map((r) => r.to));
      const others = c.placement[shard].filter((o) => o !== this.ordinal && !copying.has(o));
      const remove = others.slice(0, Math.max(0, others.length - (rf - 1)));
      c.placement[shard] = c.placement[shard].filter((o) => !remove.includes(o));
      for (const to of others.filter((o) => !remove.includes(o))) c.transfers.push({ shard, from: this.ordinal, to, rounds: this.cluster.size });
    }
  }

  /** Snapshots uploaded while a shard transfer of that collection was running. */
  uploadsDuringTransfers = 0;

  /** GET /collections/{name}/cluster on this peer. */
  clusterInfo(name: string): Obj {
    const c = this.get(name);
    const shards = (c.config.params as Obj).shard_number as number;
    const count = (shard: number) => [...c.points.keys()].filter((id) => shardOf(id, shards) === shard).length;
    const transfers = c.transfers ?? [];
    // A replica receiving its copy is Partial (Dead until the transfer starts; the stand-in starts it at once).
    const state = (shard: number, o: number) => (transfers.some((r) => r.shard === shard && r.to === o) ? "Partial" : "Active");
    const info = {
      peer_id: this.peerId,
      shard_count: c.placement.length,
      local_shards: this.localShards(name).map((shard_id) => ({ shard_id, points_count: count(shard_id), state: state(shard_id, this.ordinal) })),
      remote_shards: c.placement.flatMap((owners, shard_id) =>
        owners.filter((o) => o !== this.ordinal).map((o) => ({ shard_id, peer_id: STANDIN_PEER_ID + o, state: state(shard_id, o) })),
      ),
      shard_transfers: transfers
        .filter((r) => r.from === this.ordinal || r.to === this.ordinal)
        .map((r) => ({ shard_id: r.shard, from: STANDIN_PEER_ID + r.from, to: STANDIN_PEER_ID + r.to, sync: true, method: "wal_delta" })),
    };
    for (const r of transfers) r.rounds--;
    c.transfers = transfers.filter((r) => r.rounds > 0);
    return info;
  }

  /**
   * POST /collections/{name}/cluster: move_shard, replicate_shard and drop_replica, done at once (Qdrant transfers
   * shards in the background and lists them in shard_transfers meanwhile; the stand-in's list is always empty).
   */
  updateCluster(name: string, body: Obj): void {
    const c = this.get(name);
    const ordinal = (peerId: unknown) => {
      const o = Number(peerId) - STANDIN_PEER_ID;
      if (!Number.isInteger(o) || o < 0 || o >= this.cluster.size) throw new QdrantError(400, `Wrong input: Peer ${String(peerId)} does not exist`);
      return o;
    };
    const op = (body.move_shard ?? body.replicate_shard ?? body.drop_replica) as Obj | undefined;
    if (!op) throw new QdrantError(501, "stand-in: only move_shard, replicate_shard and drop_replica are modelled");
    const shard = op.shard_id as number;
    const owners = c.placement[shard];
    if (!owners) throw new QdrantError(400, `Wrong input: Shard ${shard} does not exist`);
    if (body.drop_replica) {
      const o = ordinal(op.peer_id);
      if (!owners.includes(o)) throw new QdrantError(400, `Wrong input: Shard ${shard} does not have a replica on peer ${String(op.peer_id)}`);
      if (owners.length === 1) throw new QdrantError(400, `Wrong input: Shard ${shard} must have at least one replica`);
      c.placement[shard] = owners.filter((x) => x !== o);
      return;
    }
    const from = ordinal(op.from_peer_id);
    const to = ordinal(op.to_peer_id);
    if (!owners.includes(from)) throw new QdrantError(400, `Wrong input: Shard ${shard} does not exist on peer ${String(op.from_peer_id)}`);
    if (owners.includes(to)) throw new QdrantError(400, `Wrong input: Shard ${shard} is already on peer ${String(op.to_peer_id)}`);
    // transfer/helpers.rs (v1.19.0, validate_transfer and check_transfer_conflicts): a transfer of the same shard that
    // shares a peer with one still running is refused.
    const running = (c.transfers ?? []).find((r) => r.shard === shard && [r.from, r.to].some((p) => p === from || p === to));
    if (running) {
      throw new QdrantError(400, `Wrong input: Shard ${shard} is already involved in transfer ${STANDIN_PEER_ID + running.from} -> ${STANDIN_PEER_ID + running.to}`);
    }
    c.placement[shard] = body.move_shard ? owners.map((x) => (x === from ? to : x)) : [...owners, to];
    // The copy shows as running (the target Partial, the transfer listed) for one round of GET .../cluster.
    (c.transfers ??= []).push({ shard, from, to, rounds: this.cluster.size });
  }

  /** DELETE /collections/{name}. Qdrant leaves the collection's snapshot folder on disk (collection_meta_ops.rs removes none). */
  delete(name: string): boolean {
    return this.collections.delete(name);
  }
}

function filler(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

interface SnapshotState {
  config: Obj;
  payload_schema: Record<string, PayloadIndex>;
  /** the shard ids this peer held */
  shards: number[];
  points: [unknown, Obj | null][];
  padding: number;
}

/** Parses and verifies snapshot bytes; a truncated or altered file is a 400 like Qdrant's. */
export function parseSnapshot(bytes: Buffer): SnapshotState {
  const bad = (why: string) => new QdrantError(400, `Wrong input: invalid snapshot (${why})`);
  if (!bytes.subarray(0, SNAPSHOT_MAGIC.length).equals(Buffer.from(SNAPSHOT_MAGIC))) throw bad("not a stand-in snapshot");
  const end = bytes.indexOf(0x0a, SNAPSHOT_MAGIC.length);
  if (end < 0) throw bad("truncated header");
  let state: SnapshotState;
  try {
    state = JSON.parse(bytes.subarray(SNAPSHOT_MAGIC.length, end).toString("utf8")) as SnapshotState;
  } catch {
    throw bad("corrupt header");
  }
  const rest = bytes.subarray(end + 1);
  if (rest.length !== state.padding) throw bad(`expected ${state.padding} filler bytes, got ${rest.length}`);
  if (!rest.equals(filler(state.padding))) throw bad("filler bytes altered");
  return state;
}
