#!/usr/bin/env bash
# qdrant-backup.sh: snapshots every Qdrant collection (on every peer in cluster mode) to S3 or a directory, then
# writes manifest.json LAST as the completion marker. A backup without a manifest is incomplete and is never restored.
#
# Run by the backup CronJob (mounted from a ConfigMap). Needs bash >= 5.1 (see qdrant-api.sh), curl, jq, GNU coreutils
# and findutils or BusyBox (find, stat, sha256sum, date, sync: only options both have) and, for s3:// destinations, the
# AWS CLI v2. Writes only below SCRATCH_DIR (and to a file:// destination). Credentials for S3 come from the AWS CLI's
# usual chain (IRSA, Pod Identity, AWS_* variables).
# Sources log.sh, qdrant-api.sh (HTTP) and backup-destination.sh, which must sit in the same directory.
#
# Environment:
#   QDRANT_PEER_URLS          required; space-separated base URLs, one per Qdrant peer in ordinal order, e.g.
#                             "http://acme-qdrant-0.acme-qdrant-headless:6333 http://acme-qdrant-1.acme-qdrant-headless:6333";
#                             one URL = a single node
#   QDRANT_API_KEY            optional; sent as the `api-key` header through curl's --config on a pipe (never in a
#                             process's arguments) and never printed
#   BACKUP_DESTINATION        required; s3://<bucket>[/<prefix>] or file:///<directory>
#   S3_ENDPOINT_URL           optional; an S3-compatible endpoint (MinIO), passed to the AWS CLI as --endpoint-url
#   SCRATCH_DIR               required; an existing writable directory big enough for the largest snapshot
#   BACKUP_PRUNE              default false; true: after a successful backup, delete complete backups older than
#                             BACKUP_RETENTION_DAYS except the newest complete one (and, when this run found no
#                             points, the newest complete one that holds points), and incomplete ones (no
#                             manifest) older than the retention (age: from the name's time to now; entries whose name is
#                             not a YYYYMMDD_HHMMSS are never touched). false: retention is left to the bucket's lifecycle rule
#   BACKUP_RETENTION_DAYS     whole number >= 1; required when BACKUP_PRUNE is true, otherwise unused
#   QDRANT_VERSION            optional; recorded in the manifest (e.g. v1.19.0); the version GET / reports is recorded too
#   BACKUP_TIMESTAMP          optional; the backup's YYYYMMDD_HHMMSS name (UTC); default: now (for tests and reruns;
#                             pruning measures ages from the clock, so an old name makes an old backup)
#   HTTP_TIMEOUT_SECONDS      default 120; limit for one API request
#   SNAPSHOT_TIMEOUT_SECONDS  default 600; the fixed part of the limit for creating one snapshot (wait=true) and for
#                             downloading it; each adds the time its bytes take at TRANSFER_MIN_MIB_PER_SECOND
#   TRANSFER_MIN_MIB_PER_SECOND default 25; the slowest rate (MiB/s) still taken as progress: a download's limit grows
#                             with the snapshot's size, a creation's with SNAPSHOT_VOLUME_SIZE
#   SNAPSHOT_VOLUME_SIZE      optional; the size of Qdrant's snapshot volume as a Kubernetes quantity (e.g. 500Gi):
#                             no snapshot is bigger, so creating one may take as long as that many bytes take
#   LEFTOVER_CLOCK_SKEW_SECONDS default 60; how far Qdrant's clock may be ahead of this pod's (leftover snapshots)
#
# Layout written (<TS> = the timestamp, N = the peer's ordinal in QDRANT_PEER_URLS):
#   <destination>/<TS>/<collection>/snapshot_<TS>.snapshot          (single node)
#   <destination>/<TS>/<collection>/peer-<N>/snapshot_<TS>.snapshot (cluster)
#   <destination>/<TS>/manifest.json                                (last; see the manifest format below)
#   <destination>/<TS>/backup.log                                   (every run, when it ends: its messages and exit status)
#   <destination>/<TS>/leftover-snapshots.jsonl                     (a failed run: snapshots it may have left on Qdrant's disk)
#
# Leftover snapshots: Qdrant names a snapshot only when it answers, and finishes it even when the client has gone. A
# run stopped while a snapshot was being made (SIGTERM, a timeout) records the collection, the peer, the snapshots that
# existed before it asked (GET .../snapshots) and when it stopped in leftover-snapshots.jsonl, as it does a snapshot
# it could not delete. Each run first reads every such record at the destination and deletes, on that peer, the
# snapshots of that collection named <collection>-<peer id>-<time>.snapshot that are not in the list and whose time
# is before the stop (plus LEFTOVER_CLOCK_SKEW_SECONDS); a record is removed once it found its snapshot. Snapshots
# made by hand are never in a record unless made on that peer, for that collection, while that run was stopping.
#
# What it does: checks that GET /cluster on the first peer counts as many peers as QDRANT_PEER_URLS lists (snapshots
# are per peer: a peer left out would lose its shards), refuses to overwrite a complete backup of the same name, lists
# the collections (GET /collections on the first peer; names ending in _restore_check are qdrant-backup-verify.sh's
# scratch copies and are skipped), and for every collection reads its info (config, payload schema, points_count)
# and then, on every peer: POST /collections/{c}/snapshots?wait=true, GET the snapshot into SCRATCH_DIR (size and
# sha256 compared with what Qdrant reported), DELETE it from Qdrant's disk, upload it (a file:// copy is written
# under a temporary name, synced and renamed), delete the scratch copy. It then checks the size of every uploaded
# file at the destination (one listing) and writes the manifest. Any failure exits non-zero without a manifest, and the
# snapshot it was working on is deleted from Qdrant's disk; a later run starts again from scratch. SIGTERM (the Job's
# activeDeadlineSeconds, pod deletion) stops the transfer under way at once, cleans up the same way and exits 143.
#
# Manifest (format 1):
#   {"format": 1, "timestamp": "<TS>", "completed_at": "<ISO 8601 UTC>", "qdrant_version": <QDRANT_VERSION or null>,
#    "qdrant_reported_version": "<GET / version>", "peer_count": <n>,
#    "collections": {"<name>": {"config": <GET /collections/{c} result.config>,
#                               "payload_schema": {<field>: {"data_type": ..., "params": ...}},
#                               "points_count": <before the snapshots>, "points_count_after": <after them>,
#                               "files": [{"peer": <ordinal>, "path": "<relative to <TS>/>", "size": <bytes>,
#                                          "sha256": "<hex>", "shards": [<shard ids on that peer>] (cluster)}]}}}
#   points_count and points_count_after differ when points were written while the snapshots were taken.
#
# Output: one line per step on stdout, errors on stderr. Exit status: 0 done; 1 the backup failed (no manifest) or
# pruning failed (the backup is complete; the message says so); 2 bad inputs (every problem is listed).
set -euo pipefail

# shellcheck disable=SC2034 # read by log.sh
PROG="qdrant-backup"
here=${BASH_SOURCE[0]%/*}
[[ ${BASH_SOURCE[0]} == */* ]] || here=.
# shellcheck source=/dev/null # the libraries are linted on their own
for lib in log.sh qdrant-api.sh backup-destination.sh; do . "$here/$lib"; done
# shellcheck disable=SC2034 # read by curl_error_text (qdrant-api.sh)
CURL_ERROR_TEXTS=([18]="the connection closed before the whole body arrived (truncated transfer)" [23]="could not write to SCRATCH_DIR (disk full?)")

# ---------------------------------------------------------------------------------------------- inputs

# backup_read_inputs: reads the environment into globals; exits 2 listing every problem.
backup_read_inputs() {
  QDRANT_PEER_URLS="${QDRANT_PEER_URLS:-}"
  QDRANT_API_KEY="${QDRANT_API_KEY:-}"
  BACKUP_DESTINATION="${BACKUP_DESTINATION:-}"
  S3_ENDPOINT_URL="${S3_ENDPOINT_URL:-}"
  SCRATCH_DIR="${SCRATCH_DIR:-}"
  BACKUP_PRUNE="${BACKUP_PRUNE:-false}"
  BACKUP_RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-}"
  QDRANT_VERSION="${QDRANT_VERSION:-}"
  BACKUP_TIMESTAMP="${BACKUP_TIMESTAMP:-}"
  HTTP_TIMEOUT_SECONDS="${HTTP_TIMEOUT_SECONDS:-120}"
  SNAPSHOT_TIMEOUT_SECONDS="${SNAPSHOT_TIMEOUT_SECONDS:-600}"
  TRANSFER_MIN_MIB_PER_SECOND="${TRANSFER_MIN_MIB_PER_SECOND:-25}"
  SNAPSHOT_VOLUME_SIZE="${SNAPSHOT_VOLUME_SIZE:-}"
  LEFTOVER_CLOCK_SKEW_SECONDS="${LEFTOVER_CLOCK_SKEW_SECONDS:-60}"

  problems=()
  check_peers_and_destination
  if [[ -z $SCRATCH_DIR ]]; then
    problems+=("SCRATCH_DIR is required: a writable directory for one snapshot at a time")
  elif [[ ! -d $SCRATCH_DIR || ! -w $SCRATCH_DIR ]]; then
    problems+=("SCRATCH_DIR \"$SCRATCH_DIR\" is not a writable directory")
  fi
  [[ $BACKUP_PRUNE == true || $BACKUP_PRUNE == false ]] || problems+=("BACKUP_PRUNE must be true or false, got \"$BACKUP_PRUNE\"")
  if [[ -n $BACKUP_RETENTION_DAYS && ! $BACKUP_RETENTION_DAYS =~ ^[1-9][0-9]{0,5}$ ]]; then
    problems+=("BACKUP_RETENTION_DAYS must be a whole number of days >= 1, got \"$BACKUP_RETENTION_DAYS\"")
  elif [[ $BACKUP_PRUNE == true && -z $BACKUP_RETENTION_DAYS ]]; then
    problems+=("BACKUP_RETENTION_DAYS is required when BACKUP_PRUNE is true")
  fi
  [[ $QDRANT_VERSION != *[[:cntrl:]]* ]] || problems+=("QDRANT_VERSION must not contain control characters")
  if [[ -n $BACKUP_TIMESTAMP ]] && { [[ ! $BACKUP_TIMESTAMP =~ $TS_PATTERN ]] || ! epoch_of "$BACKUP_TIMESTAMP" >/dev/null 2>&1; }; then
    problems+=("BACKUP_TIMESTAMP must be a UTC time as YYYYMMDD_HHMMSS, got \"$BACKUP_TIMESTAMP\"")
  fi
  [[ $HTTP_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("HTTP_TIMEOUT_SECONDS must be a whole number >= 1, got \"$HTTP_TIMEOUT_SECONDS\"")
  check_timeout_inputs
  local units='^([0-9]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$'
  if [[ -z $SNAPSHOT_VOLUME_SIZE ]]; then
    SNAPSHOT_VOLUME_BYTES=0
  elif [[ $SNAPSHOT_VOLUME_SIZE =~ $units ]]; then
    local -A factor=([Ki]=1024 [Mi]=1048576 [Gi]=1073741824 [Ti]=1099511627776 [Pi]=1125899906842624 [k]=1000 [M]=1000000 [G]=1000000000 [T]=1000000000000 [P]=1000000000000000)
    SNAPSHOT_VOLUME_BYTES=$((10#${BASH_REMATCH[1]} * ${factor[${BASH_REMATCH[2]:-x}]:-1}))
  else
    problems+=("SNAPSHOT_VOLUME_SIZE must be a Kubernetes quantity such as 500Gi, got \"$SNAPSHOT_VOLUME_SIZE\"")
  fi
  [[ $LEFTOVER_CLOCK_SKEW_SECONDS =~ ^[0-9]+$ ]] || problems+=("LEFTOVER_CLOCK_SKEW_SECONDS must be a whole number >= 0, got \"$LEFTOVER_CLOCK_SKEW_SECONDS\"")
  if [[ $DEST_KIND == s3 ]] && ! command -v aws >/dev/null 2>&1; then
    problems+=("the AWS CLI (aws) is needed for an s3:// BACKUP_DESTINATION but is not on PATH")
  fi
  exit_on_problems
}

# backup_setup: the backup's name and the work directory (removed on exit).
backup_setup() {
  TS=${BACKUP_TIMESTAMP:-$(date -u +%Y%m%d_%H%M%S)}
  PEER_COUNT=${#PEERS[@]}
  dest_setup_work
}

# ---------------------------------------------------------------------------------------------- HTTP

# download BASE_URL PATH FILE SIZE: GETs PATH into FILE (the limit follows SIZE); exits on any failure.
# shellcheck disable=SC2034 # HTTP_BODY is read by http_problem (qdrant-api.sh)
download() {
  HTTP_MAX_TIME=$(transfer_seconds "$4") http "$1" GET "$2" "" -o "$3" || http_failed
  if [[ $HTTP_STATUS != 2?? ]]; then
    HTTP_BODY=$(head -c 2000 "$3" 2>/dev/null) || HTTP_BODY=""
    http_failed
  fi
}

# dest_check_sizes: exits unless every file in $WORK/files.jsonl is at the destination with its size.
# (Listing and comparing write files in this shell: a failure exits here, where a `< <(...)` would hide it.)
dest_check_sizes() {
  local rel size found bad=()
  dest_list "$TS/" >"$WORK/listing.tsv"
  dest_sizes_differ "$TS/" "$WORK/files.jsonl" "$WORK/listing.tsv" >"$WORK/differ.tsv"
  while IFS=$'\t' read -r rel size found; do
    bad+=("$(dest_url "$TS/")$rel: $size bytes sent, $found found")
  done <"$WORK/differ.tsv"
  ((${#bad[@]} == 0)) || die_listing "${#bad[@]} file(s) at the destination differ from what was sent" "${bad[@]}"
}

# ---------------------------------------------------------------------------------------------- cleanup

# The snapshot under way: PENDING=(<ordinal> <collection> <name>), the name empty while Qdrant is still making it (then
# BEFORE holds GET .../snapshots from just before the request).
PENDING=()
BEFORE=""
MANIFEST_WRITTEN=0
STARTED=0
LOG_AT_DESTINATION=0

# leftover_record: what on_exit knows of a snapshot it leaves on Qdrant's disk, as a line of leftover-snapshots.jsonl.
leftover_record() {
  if [[ -n ${PENDING[2]} ]]; then
    jq -cn --argjson peer "${PENDING[0]}" --arg c "${PENDING[1]}" --arg name "${PENDING[2]}" '{peer: $peer, collection: $c, name: $name}'
  else
    printf '%s' "$BEFORE" | jq -c --argjson peer "${PENDING[0]}" --arg c "${PENDING[1]}" --argjson stopped "$(date -u +%s)" \
      '{peer: $peer, collection: $c, before: [.result[].name], stopped_at: $stopped}'
  fi
}

on_exit() {
  local rc=$? peer path
  set +e
  if ((${#PENDING[@]} > 0)); then
    peer=${PEERS[${PENDING[0]}]} path="$(collection_path "${PENDING[1]}")/snapshots/$(uri_encode "${PENDING[2]}")"
    if [[ -n ${PENDING[2]} ]] && HTTP_MAX_TIME=30 http "$peer" DELETE "$path" && [[ $HTTP_STATUS == 2?? ]]; then
      log "deleted the unfinished snapshot from Qdrant's disk: DELETE $path ($peer)"
    elif [[ -n ${PENDING[2]} ]]; then
      warn "could not delete snapshot ${PENDING[2]} from Qdrant's disk (DELETE $path on $peer: ${HTTP_ERROR:-HTTP $HTTP_STATUS}); the next run deletes it"
      leftover_record >>"$WORK/leftovers.jsonl"
    else
      warn "collection \"${PENDING[1]}\" peer ${PENDING[0]}: Qdrant was still making a snapshot, which it finishes on its own; the next run deletes it"
      leftover_record >>"$WORK/leftovers.jsonl"
    fi
    PENDING=()
  fi
  if [[ -s $WORK/leftovers.jsonl ]] && ! (dest_put "$WORK/leftovers.jsonl" "$TS/leftover-snapshots.jsonl" application/json); then
    warn "could not record the leftover snapshot(s) at $(dest_url "$TS/leftover-snapshots.jsonl"): delete them by hand ($(jq -sc . "$WORK/leftovers.jsonl"))"
  fi
  if ((rc != 0 && STARTED == 1 && MANIFEST_WRITTEN == 0)); then
    error "backup $TS FAILED: no manifest was written, so $(dest_url "$TS/") is incomplete and will never be restored; the next run makes a new backup"
  fi
  if ((LOG_AT_DESTINATION == 1)); then
    printf '%s: run ended at %s with exit status %s\n' "$PROG" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$rc" >>"$RUN_LOG"
    (dest_put "$RUN_LOG" "$TS/backup.log" text/plain) || warn "could not keep this run's log at $(dest_url "$TS/backup.log")"
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
# on_signal STATUS NAME: a signal stops the transfer under way (run_child), then on_exit cleans up.
on_signal() {
  stop_child
  error "stopped by $2"
  exit "$1"
}

# ---------------------------------------------------------------------------------------------- backup

# backup_check_cluster: snapshots are per peer, so every peer must be listed. Sets REPORTED_VERSION.
backup_check_cluster() {
  read_cluster_peers
  if ((CLUSTER_PEERS != PEER_COUNT)); then
    die "Qdrant at ${PEERS[0]} reports $CLUSTER_PEERS peer(s) (cluster $CLUSTER_STATUS) but QDRANT_PEER_URLS lists $PEER_COUNT; snapshots are per peer, so list every peer's URL in ordinal order"
  fi
  api_ok "${PEERS[0]}" GET /
  REPORTED_VERSION=$(body_jq -r '.version // ""')
}

# backup_list_collections: sets COLLECTIONS (all but the verification's scratch copies).
backup_list_collections() {
  local names c
  api_ok "${PEERS[0]}" GET /collections
  names=$(body_jq -r '.result.collections[].name')
  COLLECTIONS=()
  while IFS= read -r c; do
    if [[ -z $c ]]; then
      continue
    elif [[ $c == *_restore_check ]]; then
      log "skipping collection \"$c\": a scratch copy made by qdrant-backup-verify.sh (names ending in _restore_check are reserved)"
    else
      COLLECTIONS+=("$c")
    fi
  done <<<"$names"
}

# backup_snapshot COLLECTION PATH ORDINAL: snapshots the collection on one peer, downloads and checks the file, deletes
# the snapshot from Qdrant's disk and stores the file; adds it to files.jsonl and collection-files.jsonl.
backup_snapshot() {
  local c=$1 cpath=$2 n=$3 peer=${PEERS[$3]} rel who fields name spath want_size want_sum file size sum shards=null entry
  if ((PEER_COUNT == 1)); then rel="$c/snapshot_$TS.snapshot" who=""; else rel="$c/peer-$n/snapshot_$TS.snapshot" who=" peer $n"; fi

  # What exists before: a snapshot this run leaves behind is told apart from others by not being in this list.
  api_ok "$peer" GET "$cpath/snapshots"
  BEFORE=$HTTP_BODY PENDING=("$n" "$c" "")
  HTTP_MAX_TIME=$(transfer_seconds "$SNAPSHOT_VOLUME_BYTES") http "$peer" POST "$cpath/snapshots?wait=true" || http_failed
  [[ $HTTP_STATUS == 2?? ]] || { PENDING=() && http_failed; } # Qdrant answered: it is not making one
  fields=$(body_jq -r '.result | [.name, .size // "", .checksum // ""] | @tsv')
  IFS=$'\t' read -r name want_size want_sum <<<"$fields"
  PENDING=("$n" "$c" "$name")
  spath="$cpath/snapshots/$(uri_encode "$name")"

  file="$WORK/snapshot"
  download "$peer" "$spath" "$file" "$want_size"
  size=$(stat -c %s -- "$file")
  sum=$(sha256sum -- "$file")
  sum=${sum%% *}
  api_ok "$peer" DELETE "$spath"
  PENDING=()
  if [[ -n $want_size && $size != "$want_size" ]]; then
    die "collection \"$c\"$who: downloaded $size bytes of snapshot $name but Qdrant reported $want_size (truncated download)"
  fi
  if [[ -n $want_sum && $sum != "$want_sum" ]]; then
    die "collection \"$c\"$who: sha256 of the downloaded snapshot $name is $sum but Qdrant reported $want_sum (corrupted download)"
  fi

  if ((PEER_COUNT > 1)); then # which shards this peer holds, so that a restore puts them back here
    api_ok "$peer" GET "$cpath/cluster"
    shards=$(body_jq -c '[.result.local_shards[].shard_id] | sort')
  fi
  dest_put "$file" "$TS/$rel"
  rm -f -- "$file"
  entry=$(jq -cn --argjson peer "$n" --arg path "$rel" --argjson size "$size" --arg sha256 "$sum" --argjson shards "$shards" \
    '{peer: $peer, path: $path, size: $size, sha256: $sha256} + if $shards == null then {} else {shards: $shards} end')
  printf '%s\n' "$entry" >>"$WORK/files.jsonl"
  printf '%s\n' "$entry" >>"$WORK/collection-files.jsonl"
  TOTAL_BYTES=$((TOTAL_BYTES + size))
  log "collection \"$c\"$who: snapshot $name ($size bytes, sha256 $sum) stored as $(dest_url "$TS/$rel")"
}

# backup_collection COLLECTION: its info, a snapshot on every peer, and its manifest entry in collections.jsonl.
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
backup_collection() {
  local c=$1 cpath info n
  cpath=$(collection_path "$c")
  api_ok "${PEERS[0]}" GET "$cpath"
  info=$(body_jq -c '.result | {config, payload_schema: ((.payload_schema // {}) | map_values(del(.points))), points_count}')
  : >"$WORK/collection-files.jsonl"
  for ((n = 0; n < PEER_COUNT; n++)); do backup_snapshot "$c" "$cpath" "$n"; done
  api_ok "${PEERS[0]}" GET "$cpath"
  body_jq -c --arg name "$c" --argjson info "$info" --slurpfile files "$WORK/collection-files.jsonl" \
    '{name: $name, value: ($info + {points_count_after: .result.points_count, files: $files})}' >>"$WORK/collections.jsonl"
}

# backup_write_manifest: checks the uploaded sizes, then writes manifest.json, the completion marker.
backup_write_manifest() {
  local file_count
  dest_check_sizes
  jq -n --arg ts "$TS" --arg completed "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg version "$QDRANT_VERSION" --arg reported "$REPORTED_VERSION" \
    --argjson peers "$PEER_COUNT" --slurpfile collections "$WORK/collections.jsonl" \
    '{format: 1, timestamp: $ts, completed_at: $completed,
      qdrant_version: (if $version == "" then null else $version end), qdrant_reported_version: $reported,
      peer_count: $peers, collections: ($collections | from_entries)}' >"$WORK/manifest.json"
  dest_put "$WORK/manifest.json" "$TS/manifest.json" application/json
  MANIFEST_WRITTEN=1
  file_count=$(wc -l <"$WORK/files.jsonl")
  log "backup $TS complete: ${#COLLECTIONS[@]} collection(s), $((file_count)) snapshot file(s), $TOTAL_BYTES bytes; manifest $(dest_url "$TS/manifest.json")"
}

# backup_delete_leftovers: deletes the snapshots that earlier runs recorded as left on Qdrant's disk (the records in
# $WORK/listing.tsv), and each record that found its snapshot(s).
# shellcheck disable=SC2016 # $names in the jq programs are jq variables
backup_delete_leftovers() {
  local rel line n c path doomed name open
  while IFS=$'\t' read -r rel _; do
    [[ $rel == */leftover-snapshots.jsonl && ${rel%%/*} != "$TS" && ${rel%%/*} =~ $TS_PATTERN ]] || continue
    dest_get "$rel" "$WORK/leftover.jsonl"
    : >"$WORK/leftover-open.jsonl"
    while IFS= read -r line; do
      [[ -n $line ]] || continue
      n=$(jq -r '.peer' <<<"$line") c=$(jq -r '.collection' <<<"$line")
      if ((n >= PEER_COUNT)); then
        warn "run ${rel%%/*} left a snapshot of collection \"$c\" on peer $n, which QDRANT_PEER_URLS does not list; delete it by hand"
        printf '%s\n' "$line" >>"$WORK/leftover-open.jsonl"
        continue
      fi
      path=$(collection_path "$c")
      http "${PEERS[n]}" GET "$path/snapshots" || http_failed
      [[ $HTTP_STATUS == 2?? || $HTTP_STATUS == 404 ]] || http_failed
      [[ $HTTP_STATUS != 404 ]] || continue # the collection is gone
      doomed=$(body_jq -r --argjson r "$line" --argjson skew "$LEFTOVER_CLOCK_SKEW_SECONDS" '
        [.result[].name] as $now
        | if $r.name then $now[] | select(. == $r.name)
          else $now[] | . as $n | select(startswith($r.collection + "-") and ($r.before | index([$n])) == null)
            | select(.[($r.collection | length) + 1:] | test("^[0-9]+-[0-9]{4}(-[0-9]{2}){5}[.]snapshot$"))
            | select((.[-28:-9] | strptime("%Y-%m-%d-%H-%M-%S") | mktime) <= $r.stopped_at + $skew)
          end')
      if [[ -z $doomed ]]; then
        # A known name that is gone was deleted meanwhile; a snapshot still being made shows up later.
        [[ $(jq -r 'has("name")' <<<"$line") == true ]] || printf '%s\n' "$line" >>"$WORK/leftover-open.jsonl"
        continue
      fi
      while IFS= read -r name; do
        api_ok "${PEERS[n]}" DELETE "$path/snapshots/$(uri_encode "$name")"
        log "deleted snapshot $name of collection \"$c\" from peer $n's disk: run ${rel%%/*} left it there"
      done <<<"$doomed"
    done <"$WORK/leftover.jsonl"
    if [[ -s $WORK/leftover-open.jsonl ]]; then
      open=$(wc -l <"$WORK/leftover-open.jsonl")
      cmp -s "$WORK/leftover-open.jsonl" "$WORK/leftover.jsonl" || dest_put "$WORK/leftover-open.jsonl" "$rel" application/json
      log "$((open)) leftover snapshot(s) recorded by run ${rel%%/*} not found yet; the next run looks again"
    else
      dest_delete_file "$rel"
    fi
  done <"$WORK/listing.tsv"
}

# ---------------------------------------------------------------------------------------------- pruning

# backup_prune BACKUPS: deletes what the retention allows, from the listing taken at the start of the run (BACKUPS)
# plus this backup (concurrencyPolicy Forbid: no other run adds one meanwhile).
backup_prune() {
  local listed=("$TS complete") backups ts state now cutoff newest_complete="" age days doomed=() kept=0
  while read -r ts state; do
    [[ -z $ts || $ts == "$TS" ]] || listed+=("$ts $state")
  done <<<"$1"
  backups=$(printf '%s\n' "${listed[@]}" | sort)
  now=$(date -u +%s)
  cutoff=$((now - BACKUP_RETENTION_DAYS * 86400))
  while read -r ts state; do
    [[ $state != complete ]] || newest_complete=$ts
  done <<<"$backups"
  # This run found no points (a Qdrant that lost its data backs up as empty, or with the empty collections the init
  # Job recreated): keep the newest backup that holds points as well, whatever its age, so that a restore still has it.
  local with_data="" older=()
  if [[ $(manifest_points "$WORK/manifest.json") == 0 ]]; then
    while read -r ts state; do
      [[ $state != complete || $ts == "$TS" ]] || older=("$ts" "${older[@]}")
    done <<<"$backups"
    newest_with_points "${older[@]}"
    with_data=$WITH_POINTS
  fi
  while read -r ts state; do
    [[ -n $ts ]] || continue
    if ! age=$(epoch_of "$ts" 2>/dev/null); then
      warn "prune: leaving $ts alone: its name is not a valid time"
      kept=$((kept + 1))
      continue
    fi
    days=$(((now - age) / 86400))
    if ((age >= cutoff)); then
      kept=$((kept + 1))
    elif [[ $ts == "$newest_complete" ]]; then
      log "prune: keeping $ts although it is $days days old: it is the newest complete backup"
      kept=$((kept + 1))
    elif [[ $ts == "$with_data" ]]; then
      log "prune: keeping $ts although it is $days days old: it is the newest complete backup that holds points, and $TS holds none"
      kept=$((kept + 1))
    else
      doomed+=("$ts")
      if [[ $state == complete ]]; then
        log "prune: deleting $ts (complete, $days days old)"
      else
        log "prune: deleting $ts (incomplete: no manifest, $days days old)"
      fi
    fi
  done <<<"$backups"
  if ! (dest_delete "${doomed[@]}"); then
    die "backup $TS is complete, but pruning old backups failed (see above)"
  fi
  log "prune: retention $BACKUP_RETENTION_DAYS days: deleted ${#doomed[@]} backup(s), kept $kept"
}

main() {
  local backups c where
  backup_read_inputs
  backup_setup
  RUN_LOG="$WORK/backup.log"
  printf '%s: run started at %s\n' "$PROG" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$RUN_LOG"
  trap on_exit EXIT
  trap 'on_signal 143 "SIGTERM (the Job deadline or the pod being deleted)"' TERM
  trap 'on_signal 130 SIGINT' INT

  dest_list "" >"$WORK/listing.tsv"
  backups=$(dest_backups "$WORK/listing.tsv")
  if [[ $'\n'$backups$'\n' == *$'\n'"$TS complete"$'\n'* ]]; then
    die "a complete backup named $TS already exists at $(dest_url "$TS/"); not overwriting it"
  fi
  LOG_AT_DESTINATION=1
  backup_check_cluster
  backup_delete_leftovers
  backup_list_collections
  STARTED=1
  if ((PEER_COUNT == 1)); then where="1 peer (single node)"; else where="$PEER_COUNT peers (cluster)"; fi
  log "backup $TS: ${#COLLECTIONS[@]} collection(s) on $where to $(dest_url "$TS/")"
  ((${#COLLECTIONS[@]} > 0)) || warn "Qdrant has no collections; the backup holds only its manifest"

  : >"$WORK/files.jsonl"
  : >"$WORK/collections.jsonl"
  TOTAL_BYTES=0
  for c in "${COLLECTIONS[@]}"; do backup_collection "$c"; done
  backup_write_manifest
  [[ $BACKUP_PRUNE != true ]] || backup_prune "$backups"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
