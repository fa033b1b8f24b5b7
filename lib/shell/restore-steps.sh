#!/usr/bin/env bash
# restore-steps.sh: the steps of restoring a backup written by qdrant-backup.sh, shared by qdrant-restore.sh and
# qdrant-backup-verify.sh (which restores into scratch collections). Sourced, never run: it only defines functions, and
# must sit in the same directory as the scripts that source it (mounted from the same ConfigMap), after log.sh,
# qdrant-api.sh and backup-destination.sh. The inputs are documented in qdrant-restore.sh.

# shellcheck disable=SC2034 # read by curl_error_text (qdrant-api.sh)
CURL_ERROR_TEXTS[26]="could not read the snapshot file"

# restore_read_inputs: reads the environment into globals; adds every problem to the array `problems`.
restore_read_inputs() {
  QDRANT_PEER_URLS="${QDRANT_PEER_URLS:-}"
  QDRANT_API_KEY="${QDRANT_API_KEY:-}"
  BACKUP_DESTINATION="${BACKUP_DESTINATION:-}"
  S3_ENDPOINT_URL="${S3_ENDPOINT_URL:-}"
  SCRATCH_DIR="${SCRATCH_DIR:-}"
  RESTORE_TIMESTAMP="${RESTORE_TIMESTAMP:-}"
  RESTORE_COLLECTIONS="${RESTORE_COLLECTIONS:-}"
  RESTORE_TARGET_SUFFIX="${RESTORE_TARGET_SUFFIX:-}"
  RESTORE_REPLACE_INCOMPATIBLE="${RESTORE_REPLACE_INCOMPATIBLE:-false}"
  HTTP_TIMEOUT_SECONDS="${HTTP_TIMEOUT_SECONDS:-120}"
  SNAPSHOT_TIMEOUT_SECONDS="${SNAPSHOT_TIMEOUT_SECONDS:-600}"
  TRANSFER_MIN_MIB_PER_SECOND="${TRANSFER_MIN_MIB_PER_SECOND:-25}"
  POLL_INTERVAL_SECONDS="${POLL_INTERVAL_SECONDS:-1}"

  check_peers_and_destination
  PEER_COUNT=${#PEERS[@]}
  if [[ -z $SCRATCH_DIR ]]; then
    problems+=("SCRATCH_DIR is required: a writable directory for one snapshot at a time")
  elif [[ ! -d $SCRATCH_DIR || ! -w $SCRATCH_DIR ]]; then
    problems+=("SCRATCH_DIR \"$SCRATCH_DIR\" is not a writable directory")
  fi
  if [[ -z $RESTORE_TIMESTAMP ]]; then
    problems+=("RESTORE_TIMESTAMP is required: a backup's YYYYMMDD_HHMMSS, or latest")
  elif [[ $RESTORE_TIMESTAMP != latest && ! $RESTORE_TIMESTAMP =~ $TS_PATTERN ]]; then
    problems+=("RESTORE_TIMESTAMP must be YYYYMMDD_HHMMSS or latest, got \"$RESTORE_TIMESTAMP\"")
  fi
  [[ $RESTORE_TARGET_SUFFIX =~ ^[A-Za-z0-9_-]*$ ]] || problems+=("RESTORE_TARGET_SUFFIX may hold only letters, digits, _ and -, got \"$RESTORE_TARGET_SUFFIX\"")
  [[ $HTTP_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("HTTP_TIMEOUT_SECONDS must be a whole number >= 1, got \"$HTTP_TIMEOUT_SECONDS\"")
  [[ $RESTORE_REPLACE_INCOMPATIBLE == true || $RESTORE_REPLACE_INCOMPATIBLE == false ]] ||
    problems+=("RESTORE_REPLACE_INCOMPATIBLE must be true or false, got \"$RESTORE_REPLACE_INCOMPATIBLE\"")
  check_timeout_inputs
  [[ $POLL_INTERVAL_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ && $POLL_INTERVAL_SECONDS =~ [1-9] ]] ||
    problems+=("POLL_INTERVAL_SECONDS must be a number of seconds above 0, got \"$POLL_INTERVAL_SECONDS\"")
  if [[ $DEST_KIND == s3 ]] && ! command -v aws >/dev/null 2>&1; then
    problems+=("the AWS CLI (aws) is needed for an s3:// BACKUP_DESTINATION but is not on PATH")
  fi
  return 0
}

# restore_setup: the work directory (removed by restore_cleanup).
restore_setup() { dest_setup_work; }

restore_cleanup() {
  forget_upload
  [[ -z ${WORK:-} ]] || rm -rf -- "$WORK"
}

# upload_snapshot BASE_URL PATH FILE NAME SIZE: POSTs FILE as the multipart field `snapshot`, file name NAME (where
# Qdrant keeps it: <snapshots>/<collection>/NAME); the time limit follows SIZE. Sets what http sets.
upload_snapshot() {
  local file=${3//\\/\\\\}
  file=${file//\"/\\\"}
  HTTP_MAX_TIME=$(transfer_seconds "$5") http "$1" POST "$2" "" -F "snapshot=@\"$file\";filename=$4;type=application/octet-stream"
}

# restore_resolve_timestamp: sets BACKUP_TS from RESTORE_TIMESTAMP, or for latest the newest complete backup that
# holds points (a backup of a Qdrant that lost its data is complete too, and empty, or holds only the empty
# collections the init Job recreated: it is skipped, saying so, unless every complete backup is empty).
restore_resolve_timestamp() {
  local backups ts state newest="" complete=() incomplete=0 found=""
  [[ $DEST_KIND != file || -d $DEST_DIR ]] || die "BACKUP_DESTINATION directory $DEST_DIR does not exist"
  dest_list "" >"$WORK/listing.tsv"
  backups=$(dest_backups "$WORK/listing.tsv")
  while read -r ts state; do
    [[ -n $ts ]] || continue
    if [[ $state == complete ]]; then
      newest=$ts
      complete+=("$ts")
    else
      incomplete=$((incomplete + 1))
    fi
    [[ $ts != "$RESTORE_TIMESTAMP" ]] || found=$state
  done <<<"$backups"
  if [[ $RESTORE_TIMESTAMP == latest ]]; then
    [[ -n $newest ]] || die "no complete backup (one with manifest.json) under $(dest_url "") ($incomplete incomplete)"
    local i newest_first=()
    for ((i = ${#complete[@]} - 1; i >= 0; i--)); do newest_first+=("${complete[i]}"); done
    newest_with_points "${newest_first[@]}"
    BACKUP_TS=${WITH_POINTS:-$newest}
    if [[ -z $WITH_POINTS ]]; then
      warn "every complete backup under $(dest_url "") holds no points"
    elif ((${#EMPTY_BACKUPS[@]} > 0)); then
      warn "skipping the newest complete backup(s) ${EMPTY_BACKUPS[*]}: they hold no points (taken of a Qdrant that had none, e.g. after its data was lost); name one in RESTORE_TIMESTAMP to restore it"
    fi
    log "newest complete backup under $(dest_url ""): $BACKUP_TS"
    return 0
  fi
  local start=$((${#complete[@]} > 5 ? ${#complete[@]} - 5 : 0))
  local recent="${complete[*]:start}"
  case $found in
  complete) BACKUP_TS=$RESTORE_TIMESTAMP ;;
  incomplete) die "backup $RESTORE_TIMESTAMP at $(dest_url "$RESTORE_TIMESTAMP/") is incomplete (no manifest.json: that run failed or is still running); complete backups: ${recent:-none}" ;;
  *) die "no backup $RESTORE_TIMESTAMP under $(dest_url ""); complete backups (newest last): ${recent:-none}" ;;
  esac
}

# restore_fetch_manifest: reads <TS>/manifest.json into $WORK/manifest.json; sets MANIFEST_PEERS,
# MANIFEST_REPORTED_VERSION and BACKUP_COLLECTIONS.
restore_fetch_manifest() {
  local bad
  local -a names
  MANIFEST="$WORK/manifest.json"
  dest_get "$BACKUP_TS/manifest.json" "$MANIFEST"
  bad=$(jq -r '
    if type != "object" then "is not a JSON object"
    elif .format != 1 then "has format \(.format | tojson), this script reads format 1"
    elif (.peer_count | type) != "number" or .peer_count < 1 then "has no valid peer_count"
    elif (.collections | type) != "object" then "has no collections object"
    else .collections | to_entries[] | .key as $c | .value |
      if (.points_count | type) != "number" and .points_count != null then "collection \($c | tojson): points_count is not a number"
      elif (.files | type) != "array" then "collection \($c | tojson): files is not an array"
      else .files[] | select((.peer | type) != "number" or (.size | type) != "number"
          or (.sha256 | type) != "string" or (.sha256 | test("^[0-9a-f]{64}$") | not)
          or (.path | type) != "string" or (.path | startswith("/")) or (.path | split("/") | any(. == ".." or . == "")))
        | "collection \($c | tojson): invalid file entry \(tojson)"
      end
    end' "$MANIFEST" 2>&1) || bad="is not valid JSON: $bad"
  [[ -z $bad ]] || die "manifest $(dest_url "$BACKUP_TS/manifest.json") ${bad%%$'\n'*}"
  # One jq for what the steps read: peer count, versions (shown, reported by GET /), then the collection names.
  mapfile -t names < <(jq -r '.peer_count, (.qdrant_version // .qdrant_reported_version // "unknown"), (.qdrant_reported_version // ""),
    (.collections | keys_unsorted[])' "$MANIFEST")
  ((${#names[@]} >= 3)) || die "manifest $(dest_url "$BACKUP_TS/manifest.json") could not be read"
  MANIFEST_PEERS=${names[0]} MANIFEST_REPORTED_VERSION=${names[2]}
  BACKUP_COLLECTIONS=("${names[@]:3}")
  log "backup $BACKUP_TS: ${#BACKUP_COLLECTIONS[@]} collection(s) from $MANIFEST_PEERS peer(s), Qdrant ${names[1]}"
}

# restore_select_collections: sets SELECTED from RESTORE_COLLECTIONS (default: every collection in the backup).
restore_select_collections() {
  local c
  local -a wanted unknown=()
  read -r -a wanted <<<"$RESTORE_COLLECTIONS" || true
  if ((${#wanted[@]} == 0)); then
    SELECTED=("${BACKUP_COLLECTIONS[@]}")
    return 0
  fi
  SELECTED=()
  for c in "${wanted[@]}"; do
    if jq -e --arg c "$c" '.collections | has($c)' "$MANIFEST" >/dev/null; then SELECTED+=("$c"); else unknown+=("$c"); fi
  done
  if ((${#unknown[@]} > 0)); then
    error "RESTORE_COLLECTIONS names collection(s) not in backup $BACKUP_TS: ${unknown[*]} (the backup has: ${BACKUP_COLLECTIONS[*]:-none})"
    exit 2
  fi
}

# peer_range FROM TO: "peer 2" or "peers 2..4"
peer_range() {
  if (($1 == $2)); then printf 'peer %s' "$1"; else printf 'peers %s..%s' "$1" "$2"; fi
}

# restore_check_peers: refuses (exits 1, nothing written) unless the peers match the backup's.
restore_check_peers() {
  local c files
  if ((PEER_COUNT != MANIFEST_PEERS)); then
    error "backup $BACKUP_TS was taken from $MANIFEST_PEERS peer(s), but QDRANT_PEER_URLS lists $PEER_COUNT; snapshots are per peer (each holds that peer's shards), so they can only go back to the same number of peers"
    for c in "${SELECTED[@]}"; do
      if ((PEER_COUNT < MANIFEST_PEERS)); then
        files=$(jq -r --arg c "$c" --argjson from "$PEER_COUNT" '[.collections[$c].files[] | select(.peer >= $from) | .path] | join(", ")' "$MANIFEST")
        error "cannot restore collection \"$c\": the snapshot(s) of $(peer_range "$PEER_COUNT" $((MANIFEST_PEERS - 1))) ($files) would have no peer to go to, so their shards would be lost"
      else
        error "cannot restore collection \"$c\": $(peer_range "$MANIFEST_PEERS" $((PEER_COUNT - 1))) would get no snapshot, so the shards Qdrant places there would be missing"
      fi
    done
    die "nothing was restored; run the restore against exactly $MANIFEST_PEERS peer(s) (replicas: $MANIFEST_PEERS), listed in ordinal order in QDRANT_PEER_URLS"
  fi
  read_cluster_peers
  if ((CLUSTER_PEERS != PEER_COUNT)); then
    die "Qdrant at ${PEERS[0]} reports $CLUSTER_PEERS peer(s) (cluster $CLUSTER_STATUS) but QDRANT_PEER_URLS lists $PEER_COUNT and backup $BACKUP_TS has $MANIFEST_PEERS; nothing was restored"
  fi
  api_ok "${PEERS[0]}" GET /
  local now_version was_version
  now_version=$(body_jq -r '.version // ""')
  was_version=$MANIFEST_REPORTED_VERSION
  if [[ -n $now_version && -n $was_version && $now_version != "$was_version" ]]; then
    warn "backup $BACKUP_TS was taken with Qdrant $was_version; restoring into Qdrant $now_version (Qdrant recovers snapshots from the same or the previous minor version)"
  fi
}

# restore_check_files: checks every file of the SELECTED collections against the manifest before anything is written
# to Qdrant: its size from the listing of the destination restore_resolve_timestamp made, its sha256 by reading it once
# without keeping it (S3: the AWS CLI streams it into sha256sum). Exits listing every mismatch.
restore_check_files() {
  local rel size sum found actual count=0 bytes=0
  local -a bad=()
  local -A sizes=()
  while IFS=$'\t' read -r rel size; do sizes[$rel]=$size; done <"$WORK/listing.tsv"
  while IFS=$'\t' read -r rel size sum; do
    [[ -n $rel ]] || continue
    found=${sizes[$BACKUP_TS/$rel]-}
    if [[ -z $found ]]; then
      bad+=("$(dest_url "$BACKUP_TS/$rel") is listed in the manifest but missing")
      continue
    fi
    actual=$(dest_sha256 "$BACKUP_TS/$rel")
    if [[ $found != "$size" || $actual != "$sum" ]]; then
      bad+=("$(dest_url "$BACKUP_TS/$rel"): sha256 $actual ($found bytes) but the manifest says $sum ($size bytes)")
    else
      count=$((count + 1)) bytes=$((bytes + size))
    fi
  done < <(jq -r --args '.collections as $all | $ARGS.positional[] | $all[.].files[] | "\(.path)\t\(.size)\t\(.sha256)"' "${SELECTED[@]}" <"$MANIFEST")
  ((${#bad[@]} == 0)) || die_listing "${#bad[@]} file(s) of backup $BACKUP_TS do not match its manifest; nothing was restored" "${bad[@]}"
  log "checked $count file(s), $bytes bytes: every sha256 matches the manifest"
}

# restore_plan: decides, reading only, what each SELECTED collection needs before its snapshots can go in, and refuses
# (exit 1, nothing written) what cannot work. Qdrant recovers a snapshot into an existing collection only when the
# vectors and shard_number are the snapshot's (recover.rs); a missing collection it creates from the snapshot.
# Sets VERB[c] (how the log says it: replaced, or created / restored) and ACTION[c]: upload (exists and fits, or missing on a single node: Qdrant creates it from the snapshot), create
# (missing in a cluster: created from the manifest so its shards can be placed first), recreate (exists, does not fit,
# and is empty or RESTORE_REPLACE_INCOMPATIBLE is true).
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_plan() {
  local c target exists fit
  local -a refused=()
  declare -gA ACTION=() WHY=() VERB=()
  for c in "${SELECTED[@]}"; do
    target=$c$RESTORE_TARGET_SUFFIX
    if ((PEER_COUNT == 1)); then VERB[$c]=created; else VERB[$c]=restored; fi
    api_ok "${PEERS[0]}" GET "$(collection_path "$target")/exists"
    exists=$(body_jq -r '.result.exists')
    if [[ $exists != true ]]; then
      if ((PEER_COUNT == 1)); then ACTION[$c]=upload; else ACTION[$c]=create; fi
      continue
    fi
    api_ok "${PEERS[0]}" GET "$(collection_path "$target")"
    # "" when it fits, else why not: "<points> <what differs>"
    fit=$(body_jq -r --arg c "$c" --slurpfile m "$MANIFEST" '
      $m[0].collections[$c].config.params as $want | .result as $r | $r.config.params as $p
      | [if $p.shard_number != $want.shard_number then "has shard_number \($p.shard_number), the backup \($want.shard_number)" else empty end,
         if $p.vectors != $want.vectors then "has vectors \($p.vectors | tojson), the backup \($want.vectors | tojson)" else empty end]
      | if length == 0 then "" else "\($r.points_count // 0) \(join(" and "))" end')
    if [[ -z $fit ]]; then
      ACTION[$c]=upload VERB[$c]=replaced
    elif [[ ${fit%% *} == 0 || $RESTORE_REPLACE_INCOMPATIBLE == true ]]; then
      ACTION[$c]=recreate WHY[$c]="holds ${fit%% *} point(s) and ${fit#* }"
    else
      refused+=("collection \"$target\" holds ${fit%% *} point(s) and ${fit#* }: Qdrant refuses a snapshot whose shard_number or vectors differ, so the collection would have to be deleted first; set RESTORE_REPLACE_INCOMPATIBLE=true to delete it and recreate it from the backup")
    fi
  done
  ((${#refused[@]} == 0)) || die_listing "nothing was restored: ${#refused[@]} collection(s) hold points and cannot take the backup's snapshots" "${refused[@]}"
}

# restore_create COLLECTION TARGET: creates TARGET from the manifest's configuration (shard number, replication,
# vectors, indexing, optimizers, quantization) and payload indexes.
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_create() {
  local c=$1 path index n=0
  local -a bodies
  path=$(collection_path "$2")
  # One jq, one line each: PUT's body (GET's config: params but the read fan-out settings, which only PATCH takes, at
  # the top level), PATCH's params, the shard number, then one PUT .../index body per payload index.
  mapfile -t bodies < <(jq -c --arg c "$c" '.collections[$c] | .config as $k
    | (($k.params | del(.read_fan_out_factor, .read_fan_out_delay_ms)) + {
        hnsw_config: $k.hnsw_config, optimizers_config: $k.optimizer_config, wal_config: $k.wal_config,
        quantization_config: $k.quantization_config, strict_mode_config: $k.strict_mode_config, metadata: $k.metadata}
      | with_entries(select(.value != null))),
      ($k.params | {read_fan_out_factor, read_fan_out_delay_ms} | with_entries(select(.value != null))),
      $k.params.shard_number,
      (.payload_schema // {} | to_entries[] | {field_name: .key, field_schema: (.value.params // .value.data_type)})' "$MANIFEST")
  ((${#bodies[@]} >= 3)) || die "collection \"$c\": the manifest's configuration could not be read"
  api_ok "${PEERS[0]}" PUT "$path" "${bodies[0]}"
  [[ ${bodies[1]} == "{}" ]] || api_ok "${PEERS[0]}" PATCH "$path" "{\"params\": ${bodies[1]}}"
  for index in "${bodies[@]:3}"; do
    api_ok "${PEERS[0]}" PUT "$path/index?wait=true" "$index"
    n=$((n + 1))
  done
  log "collection \"$2\": created from the manifest's configuration (shard_number ${bodies[2]}, $n payload index(es))"
}

# restore_place_shards COLLECTION TARGET: moves, adds or drops shard replicas until every peer ordinal holds the
# shards it held in the backup (the manifest's `shards` per file), then waits until every peer reports that placement.
# The limit follows the collection's size (moving the shards of a collection that holds points copies them).
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_place_shards() {
  local c=$1 path n op ops want limit start=$SECONDS
  path=$(collection_path "$2")
  want=$(jq -c --arg c "$c" '[.collections[$c].files[] | {o: .peer, shards: (.shards // null)}]' "$MANIFEST")
  limit=$(transfer_seconds "$(jq -r --arg c "$c" '[.collections[$c].files[].size] | add // 0' "$MANIFEST")")
  if [[ $(jq -r 'any(.[]; .shards == null)' <<<"$want") == true ]]; then
    warn "collection \"$2\": backup $BACKUP_TS does not record which peer held which shard (made before that was recorded); Qdrant's own placement is kept, so a shard may be restored from a snapshot that does not hold it (the points_count check below tells)"
    return 0
  fi
  while :; do
    : >"$WORK/placement.jsonl"
    for ((n = 0; n < PEER_COUNT; n++)); do
      api_ok "${PEERS[n]}" GET "$path/cluster"
      body_jq -c --argjson o "$n" '{o: $o, id: .result.peer_id, shards: [.result.local_shards[].shard_id], moving: (.result.shard_transfers | length)}' >>"$WORK/placement.jsonl"
    done
    ops=$(jq -sc --argjson want "$want" '
      . as $cur | (map({key: (.o | tostring), value: .id}) | from_entries) as $id
      | def holders($list; $s): [$list[] | select(.shards | index([$s])) | .o];
      if any(.[]; .moving > 0) then "wait"
      else [[$cur[].shards[], $want[].shards[]] | unique[] as $s
        | holders($cur; $s) as $have | holders($want; $s) as $need | ($need - $have) as $add | ($have - $need) as $drop
        | ([$add, $drop] | map(length) | min) as $k
        | (range(0; $k) as $i | {move_shard: {shard_id: $s, from_peer_id: $id[$drop[$i] | tostring], to_peer_id: $id[$add[$i] | tostring]}}),
          ($add[$k:][] as $to | {replicate_shard: {shard_id: $s, from_peer_id: $id[(($have - $drop) + $add[:$k])[0] | tostring], to_peer_id: $id[$to | tostring]}}),
          ($drop[$k:][] as $from | {drop_replica: {shard_id: $s, peer_id: $id[$from | tostring]}})]
        # One change per shard at a time: Qdrant refuses a second transfer of a shard while one runs
        # (check_transfer_conflicts); the next round sends the next.
        | group_by(.[keys[0]].shard_id) | map(.[0])
      end' "$WORK/placement.jsonl")
    [[ $ops != "[]" ]] || break
    ((SECONDS - start < limit)) || die "collection \"$2\": its shards are not where backup $BACKUP_TS had them after ${limit}s (last seen: $(jq -sc . "$WORK/placement.jsonl"))"
    if [[ $ops == '"wait"' ]]; then
      sleep "$POLL_INTERVAL_SECONDS"
      continue
    fi
    while IFS= read -r op; do
      api_ok "${PEERS[0]}" POST "$path/cluster" "$op"
      log "collection \"$2\": $(jq -r --argjson peers "$(jq -sc 'map({key: (.id | tostring), value: .o}) | from_entries' "$WORK/placement.jsonl")" '
        def ord($id): "peer \($peers[$id | tostring])";
        if .move_shard then "shard \(.move_shard.shard_id) moved from \(ord(.move_shard.from_peer_id)) to \(ord(.move_shard.to_peer_id))"
        elif .replicate_shard then "shard \(.replicate_shard.shard_id) replicated to \(ord(.replicate_shard.to_peer_id))"
        else "shard \(.drop_replica.shard_id) dropped from \(ord(.drop_replica.peer_id))" end' <<<"$op"), as in the backup"
    done < <(jq -c '.[]' <<<"$ops")
  done
}

# restore_prepare COLLECTION: what restore_plan decided, before the snapshots go in: the incompatible collection deleted,
# a collection created from the manifest (cluster mode), and in cluster mode each peer's shards where the backup had them.
restore_prepare() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX
  if [[ ${ACTION[$c]} == recreate ]]; then
    api_ok "${PEERS[0]}" DELETE "$(collection_path "$target")"
    log "collection \"$target\": deleted: it ${WHY[$c]}, so it could not take the backup's snapshots"
  fi
  if ((PEER_COUNT > 1)); then
    if [[ ${ACTION[$c]} == upload ]]; then restore_replication_factor "$c" "$target"; else restore_create "$c" "$target"; fi
    restore_place_shards "$c" "$target"
  fi
}

# restore_replication_factor COLLECTION TARGET: gives a collection that exists the backup's replication_factor. A
# snapshot recovered with priority=snapshot keeps only replication_factor - 1 other replicas of each shard and removes
# the rest (recover.rs), so with a lower factor the uploads would undo the backup's placement.
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_replication_factor() {
  local path change
  path=$(collection_path "$2")
  api_ok "${PEERS[0]}" GET "$path"
  change=$(body_jq -r --arg c "$1" --slurpfile m "$MANIFEST" '[.result.config.params.replication_factor // 1,
      $m[0].collections[$c].config.params.replication_factor // 1] | if .[0] == .[1] then "" else "\(.[0]) \(.[1])" end') || exit 1
  [[ -n $change ]] || return 0
  api_ok "${PEERS[0]}" PATCH "$path" "{\"params\": {\"replication_factor\": ${change#* }}}"
  log "collection \"$2\": replication_factor ${change% *} -> ${change#* }, as in the backup (so the snapshots keep its replicas)"
}

UPLOADED="" # "<peer URL> <path>" of an uploaded snapshot file still on Qdrant's disk

# forget_upload: deletes the uploaded snapshot file Qdrant keeps in the collection's snapshot folder; warns on failure.
forget_upload() {
  [[ -n $UPLOADED ]] || return 0
  local base=${UPLOADED%% *} path=${UPLOADED#* }
  UPLOADED=""
  if ! http "$base" DELETE "$path" || [[ $HTTP_STATUS != 2?? && $HTTP_STATUS != 404 ]]; then
    warn "could not delete the uploaded snapshot from Qdrant's disk (DELETE $path on $base: ${HTTP_ERROR:-HTTP $HTTP_STATUS}); delete it by hand"
  fi
}

# restore_upload COLLECTION: its snapshot(s) into <collection><suffix>, peer N's file to peer N, one file at a time:
# from S3 into SCRATCH_DIR (a file:// backup is read in place), uploaded with its sha256 (Qdrant checks it), the copy
# Qdrant keeps deleted from its disk, the scratch copy deleted.
restore_upload() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX path peer rel size sum n name file problem
  path=$(collection_path "$target")
  while IFS=$'\t' read -r n rel size sum; do
    peer=${PEERS[n]}
    name="qdrant-restore-$BACKUP_TS-peer-$n.snapshot"
    if [[ $DEST_KIND == s3 ]]; then
      file="$WORK/$name"
      dest_get "$BACKUP_TS/$rel" "$file"
    else
      file="$DEST_DIR/$BACKUP_TS/$rel"
    fi
    UPLOADED="$peer $path/snapshots/$name"
    if ! upload_snapshot "$peer" "$path/snapshots/upload?priority=snapshot&checksum=$sum" "$file" "$name" "$size" || [[ $HTTP_STATUS != 2?? ]]; then
      problem=$(http_problem)
      forget_upload
      die "$problem"
    fi
    forget_upload
    [[ $DEST_KIND != s3 ]] || rm -f -- "$file"
    if ((PEER_COUNT == 1)); then
      log "collection \"$target\": ${VERB[$c]} from $(dest_url "$BACKUP_TS/$rel")"
    else
      log "collection \"$target\" peer $n: ${VERB[$c]} from $(dest_url "$BACKUP_TS/$rel")"
      restore_wait_settled "$target" "$size"
    fi
  done < <(jq -r --arg c "$c" '.collections[$c].files | sort_by(.peer)[] | "\(.peer)\t\(.path)\t\(.size)\t\(.sha256)"' "$MANIFEST")
}

# restore_wait_settled TARGET BYTES: after a snapshot of BYTES went into one peer of a cluster, waits until no peer
# lists a shard transfer of TARGET and every replica on every peer is Active. Recovering with priority=snapshot,
# Qdrant sets the other replicas of each restored shard Dead and copies them again from this peer (recover.rs,
# Collection::sync_local_state): the next peer's snapshot must not go in meanwhile, and the restore is not done
# before. The limit is what BYTES take at TRANSFER_MIN_MIB_PER_SECOND, plus SNAPSHOT_TIMEOUT_SECONDS.
restore_wait_settled() {
  local path n seen pending limit start=$SECONDS waited=""
  path=$(collection_path "$1")
  limit=$(transfer_seconds "$2")
  while :; do
    pending=""
    for ((n = 0; n < PEER_COUNT; n++)); do
      api_ok "${PEERS[n]}" GET "$path/cluster"
      # Listener replicas stay Listener (sync_local_state), ReshardingScaleDown ones serve as Active.
      seen=$(body_jq -r '"\(.result.shard_transfers | length) \([.result.local_shards[] | select(.state | IN("Active", "Listener", "ReshardingScaleDown") | not)] | length)"')
      [[ $seen == "0 0" ]] || pending+="${pending:+, }peer $n: ${seen% *} transfer(s), ${seen#* } replica(s) not Active"
    done
    if [[ -z $pending ]]; then
      [[ -z $waited ]] || log "collection \"$1\": every replica Active again after $((SECONDS - start))s"
      return 0
    fi
    ((SECONDS - start < limit)) ||
      die "collection \"$1\": replicas still being copied after ${limit}s ($pending); nothing more was restored. Qdrant goes on copying: once GET $path/cluster shows no transfer on any peer, run the restore again"
    [[ -n $waited ]] || log "collection \"$1\": Qdrant copies the other replicas of the shards just restored again; waiting ($pending)"
    waited=1
    sleep "$POLL_INTERVAL_SECONDS"
  done
}

# restore_missing_indexes COLLECTION: after snapshots went into a collection that already existed ("replaced"),
# creates the manifest's payload indexes it lacks: Qdrant takes a snapshot's indexes only when it creates the
# collection from it (recover.rs), so indexes clients had made at run time would be missing from one the init Job
# recreated. Indexes it has (of whatever type) are left alone.
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_missing_indexes() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX path index missing n=0
  [[ ${VERB[$c]} == replaced ]] || return 0
  path=$(collection_path "$target")
  api_ok "${PEERS[0]}" GET "$path"
  missing=$(body_jq -c --arg c "$c" --slurpfile m "$MANIFEST" '(.result.payload_schema // {}) as $have
    | $m[0].collections[$c].payload_schema // {} | to_entries[] | select($have[.key] == null)
    | {field_name: .key, field_schema: (.value.params // .value.data_type)}') || exit 1
  while IFS= read -r index; do
    [[ -n $index ]] || continue
    api_ok "${PEERS[0]}" PUT "$path/index?wait=true" "$index"
    n=$((n + 1))
  done <<<"$missing"
  ((n == 0)) || log "collection \"$target\": added $n payload index(es) from the backup (Qdrant keeps an existing collection's own)"
}

# restore_points_problem COLLECTION: compares <collection><suffix>'s points_count with the manifest; prints a report
# line on stdout and sets POINTS_PROBLEM to the difference (empty when it matches).
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
restore_points_problem() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX count lo hi
  api_ok "${PEERS[0]}" GET "$(collection_path "$target")"
  # Qdrant's points_count may be null (its API allows it): then there is nothing to compare.
  count=$(body_jq -r --arg c "$c" --slurpfile m "$MANIFEST" '.result.points_count as $n
    | $m[0].collections[$c] | [.points_count, .points_count_after] | map(numbers)
    | "\($n) \(if length == 0 then "none none" else "\(min) \(max)" end)"')
  read -r count lo hi <<<"$count"
  POINTS_PROBLEM=""
  if [[ $lo == none ]]; then
    log "collection \"$target\": points_count $count (the manifest records none to compare with)"
  elif [[ $count == "$lo" && $lo == "$hi" ]]; then
    log "collection \"$target\": points_count $count matches the manifest"
  elif [[ $count =~ ^[0-9]+$ ]] && ((count >= lo && count <= hi)); then
    log "collection \"$target\": points_count $count is within $lo..$hi, the counts while the backup ran (points were written meanwhile)"
  elif [[ $lo == "$hi" ]]; then
    POINTS_PROBLEM="collection \"$target\": points_count is $count after the restore but $lo in the manifest"
  else
    POINTS_PROBLEM="collection \"$target\": points_count is $count after the restore but $lo..$hi in the manifest"
  fi
}
