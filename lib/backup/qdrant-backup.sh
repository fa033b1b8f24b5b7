#!/usr/bin/env bash
# qdrant-backup.sh: snapshots every Qdrant collection (on every peer in cluster mode) to S3 or a directory, then
# writes manifest.json LAST as the completion marker. A backup without a manifest is incomplete and is never restored.
#
# Run by the backup CronJob (mounted from a ConfigMap). Needs bash >= 4.4, curl, jq, coreutils (sha256sum, stat,
# date, sync) and, for s3:// destinations, the AWS CLI v2. Writes only below SCRATCH_DIR (and to a file://
# destination). Credentials for S3 come from the AWS CLI's usual chain (IRSA, Pod Identity, AWS_* variables). Sources
# log.sh, qdrant-api.sh (HTTP) and backup-destination.sh, which must sit in the same directory.
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
#                             BACKUP_RETENTION_DAYS except the newest complete one, and incomplete ones (no manifest)
#                             older than the retention (age: from the name's time to now; entries whose name is not a
#                             YYYYMMDD_HHMMSS are never touched). false: retention is left to the bucket's lifecycle rule
#   BACKUP_RETENTION_DAYS     whole number >= 1; required when BACKUP_PRUNE is true, otherwise unused
#   QDRANT_VERSION            optional; recorded in the manifest (e.g. v1.19.0); the version GET / reports is recorded too
#   BACKUP_TIMESTAMP          optional; the backup's YYYYMMDD_HHMMSS name (UTC); default: now (for tests and reruns;
#                             pruning measures ages from the clock, so an old name makes an old backup)
#   HTTP_TIMEOUT_SECONDS      default 120; limit for one API request
#   SNAPSHOT_TIMEOUT_SECONDS  default 3600; limit for creating one snapshot (wait=true) and for downloading it
#
# Layout written (<TS> = the timestamp, N = the peer's ordinal in QDRANT_PEER_URLS):
#   <destination>/<TS>/<collection>/snapshot_<TS>.snapshot          (single node)
#   <destination>/<TS>/<collection>/peer-<N>/snapshot_<TS>.snapshot (cluster)
#   <destination>/<TS>/manifest.json                                (last; see the manifest format below)
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
#                                          "sha256": "<hex>"}]}}}
#   points_count and points_count_after differ when points were written while the snapshots were taken.
#
# Output: one line per step on stdout, errors on stderr. Exit status: 0 done; 1 the backup failed (no manifest) or
# pruning failed (the backup is complete; the message says so); 2 bad inputs (every problem is listed).
set -euo pipefail

# shellcheck disable=SC2034 # read by log.sh
PROG="qdrant-backup"
here=$(dirname "${BASH_SOURCE[0]}")
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
  SNAPSHOT_TIMEOUT_SECONDS="${SNAPSHOT_TIMEOUT_SECONDS:-3600}"

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
  [[ $SNAPSHOT_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got \"$SNAPSHOT_TIMEOUT_SECONDS\"")
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

# download BASE_URL PATH FILE: GETs PATH into FILE; exits on any failure.
# shellcheck disable=SC2034 # HTTP_BODY is read by http_problem (qdrant-api.sh)
download() {
  HTTP_MAX_TIME=$SNAPSHOT_TIMEOUT_SECONDS http "$1" GET "$2" "" -o "$3" || http_failed
  if [[ $HTTP_STATUS != 2?? ]]; then
    HTTP_BODY=$(head -c 2000 "$3" 2>/dev/null) || HTTP_BODY=""
    http_failed
  fi
}

# dest_check_sizes: exits unless every file in $WORK/files.jsonl is at the destination with its size.
dest_check_sizes() {
  local rel size found bad=()
  while IFS=$'\t' read -r rel size found; do
    bad+=("$(dest_url "$TS/")$rel: $size bytes sent, $found found")
  done < <(dest_sizes_differ "$TS/" "$WORK/files.jsonl")
  ((${#bad[@]} == 0)) || die_listing "${#bad[@]} file(s) at the destination differ from what was sent" "${bad[@]}"
}

# ---------------------------------------------------------------------------------------------- cleanup

PENDING_SNAPSHOT="" # "<peer URL> <path>" of a snapshot on Qdrant's disk not yet deleted
MANIFEST_WRITTEN=0
STARTED=0

on_exit() {
  local rc=$?
  if [[ -n $PENDING_SNAPSHOT ]]; then
    local base=${PENDING_SNAPSHOT%% *} path=${PENDING_SNAPSHOT#* }
    PENDING_SNAPSHOT=""
    if HTTP_MAX_TIME=30 http "$base" DELETE "$path" && [[ $HTTP_STATUS == 2?? ]]; then
      log "deleted the unfinished snapshot from Qdrant's disk: DELETE $path ($base)"
    else
      warn "could not delete the snapshot from Qdrant's disk (DELETE $path on $base: ${HTTP_ERROR:-HTTP $HTTP_STATUS}); delete it by hand"
    fi
  fi
  rm -rf -- "$WORK"
  if ((rc != 0 && STARTED == 1 && MANIFEST_WRITTEN == 0)); then
    error "backup $TS FAILED: no manifest was written, so $(dest_url "$TS/") is incomplete and will never be restored; the next run makes a new backup"
  fi
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
  local cluster_status cluster_peers
  api_ok "${PEERS[0]}" GET /cluster
  cluster_status=$(body_jq -r '.result.status')
  if [[ $cluster_status == enabled ]]; then
    cluster_peers=$(body_jq '.result.peers | length')
  else
    cluster_peers=1
  fi
  if ((cluster_peers != PEER_COUNT)); then
    die "Qdrant at ${PEERS[0]} reports $cluster_peers peer(s) (cluster $cluster_status) but QDRANT_PEER_URLS lists $PEER_COUNT; snapshots are per peer, so list every peer's URL in ordinal order"
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
  local c=$1 cpath=$2 n=$3 peer=${PEERS[$3]} rel who name want_size want_sum file size sum
  if ((PEER_COUNT == 1)); then rel="$c/snapshot_$TS.snapshot" who=""; else rel="$c/peer-$n/snapshot_$TS.snapshot" who=" peer $n"; fi

  HTTP_MAX_TIME=$SNAPSHOT_TIMEOUT_SECONDS api_ok "$peer" POST "$cpath/snapshots?wait=true"
  name=$(body_jq -r '.result.name')
  PENDING_SNAPSHOT="$peer $cpath/snapshots/$(jq -rn --arg n "$name" '$n | @uri')"
  want_size=$(body_jq -r '.result.size // ""')
  want_sum=$(body_jq -r '.result.checksum // ""')

  file="$WORK/snapshot"
  download "$peer" "${PENDING_SNAPSHOT#* }" "$file"
  size=$(stat -c %s -- "$file")
  sum=$(sha256sum -- "$file")
  sum=${sum%% *}
  api_ok "$peer" DELETE "${PENDING_SNAPSHOT#* }"
  PENDING_SNAPSHOT=""
  if [[ -n $want_size && $size != "$want_size" ]]; then
    die "collection \"$c\"$who: downloaded $size bytes of snapshot $name but Qdrant reported $want_size (truncated download)"
  fi
  if [[ -n $want_sum && $sum != "$want_sum" ]]; then
    die "collection \"$c\"$who: sha256 of the downloaded snapshot $name is $sum but Qdrant reported $want_sum (corrupted download)"
  fi

  dest_put "$file" "$TS/$rel"
  rm -f -- "$file"
  jq -cn --argjson peer "$n" --arg path "$rel" --argjson size "$size" --arg sha256 "$sum" \
    '{peer: $peer, path: $path, size: $size, sha256: $sha256}' | tee -a "$WORK/files.jsonl" >>"$WORK/collection-files.jsonl"
  TOTAL_BYTES=$((TOTAL_BYTES + size))
  log "collection \"$c\"$who: snapshot $name ($size bytes, sha256 $sum) stored as $(dest_url "$TS/$rel")"
}

# backup_collection COLLECTION: its info, a snapshot on every peer, and its manifest entry in collections.jsonl.
backup_collection() {
  local c=$1 cpath info n after
  cpath=$(collection_path "$c")
  api_ok "${PEERS[0]}" GET "$cpath"
  info=$(body_jq -c '.result | {config, payload_schema: ((.payload_schema // {}) | map_values(del(.points))), points_count}')
  : >"$WORK/collection-files.jsonl"
  for ((n = 0; n < PEER_COUNT; n++)); do backup_snapshot "$c" "$cpath" "$n"; done
  api_ok "${PEERS[0]}" GET "$cpath"
  after=$(body_jq '.result.points_count')
  jq -c --arg name "$c" --argjson after "$after" --slurpfile files "$WORK/collection-files.jsonl" \
    '{name: $name, value: (. + {points_count_after: $after, files: $files})}' <<<"$info" >>"$WORK/collections.jsonl"
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
  trap on_exit EXIT
  trap 'on_signal 143 "SIGTERM (the Job deadline or the pod being deleted)"' TERM
  trap 'on_signal 130 SIGINT' INT

  backup_check_cluster
  dest_list "" >"$WORK/listing.tsv"
  backups=$(dest_backups "$WORK/listing.tsv")
  if [[ $'\n'$backups$'\n' == *$'\n'"$TS complete"$'\n'* ]]; then
    die "a complete backup named $TS already exists at $(dest_url "$TS/"); not overwriting it"
  fi
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
