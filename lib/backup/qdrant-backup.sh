#!/usr/bin/env bash
# qdrant-backup.sh: snapshots every Qdrant collection (on every peer in cluster mode) to S3 or a directory, then
# writes manifest.json LAST as the completion marker. A backup without a manifest is incomplete and is never restored.
#
# Run by the backup CronJob (mounted from a ConfigMap). Needs bash >= 4.4, curl, jq, coreutils (sha256sum, stat,
# date, sync) and, for s3:// destinations, the AWS CLI v2. Writes only below SCRATCH_DIR (and to a file://
# destination). Credentials for S3 come from the AWS CLI's usual chain (IRSA, Pod Identity, AWS_* variables). Sources
# qdrant-api.sh (the HTTP helpers), which must sit in the same directory.
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

readonly PROG="qdrant-backup"
readonly TS_PATTERN='^[0-9]{8}_[0-9]{6}$'

log() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------- inputs

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

# shellcheck source=/dev/null # qdrant-api.sh, linted on its own
. "$(dirname "${BASH_SOURCE[0]}")/qdrant-api.sh"

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
if [[ -n $BACKUP_TIMESTAMP ]]; then
  if [[ ! $BACKUP_TIMESTAMP =~ $TS_PATTERN ]] ||
    ! date -u -d "${BACKUP_TIMESTAMP:0:4}-${BACKUP_TIMESTAMP:4:2}-${BACKUP_TIMESTAMP:6:2} ${BACKUP_TIMESTAMP:9:2}:${BACKUP_TIMESTAMP:11:2}:${BACKUP_TIMESTAMP:13:2}" +%s >/dev/null 2>&1; then
    problems+=("BACKUP_TIMESTAMP must be a UTC time as YYYYMMDD_HHMMSS, got \"$BACKUP_TIMESTAMP\"")
  fi
fi
[[ $HTTP_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("HTTP_TIMEOUT_SECONDS must be a whole number >= 1, got \"$HTTP_TIMEOUT_SECONDS\"")
[[ $SNAPSHOT_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got \"$SNAPSHOT_TIMEOUT_SECONDS\"")
if [[ $DEST_KIND == s3 ]] && ! command -v aws >/dev/null 2>&1; then
  problems+=("the AWS CLI (aws) is needed for an s3:// BACKUP_DESTINATION but is not on PATH")
fi
if ((${#problems[@]} > 0)); then
  for p in "${problems[@]}"; do printf '%s: error: %s\n' "$PROG" "$p" >&2; done
  exit 2
fi

TS=${BACKUP_TIMESTAMP:-$(date -u +%Y%m%d_%H%M%S)}
PEER_COUNT=${#PEERS[@]}
export AWS_PAGER="" # the AWS CLI v2 would otherwise pipe JSON through `less`
# The AWS CLI may write caches below $HOME; with a read-only root filesystem only SCRATCH_DIR is writable.
if [[ -z ${HOME:-} || ! -w ${HOME:-/nonexistent} ]]; then
  export HOME="$SCRATCH_DIR/.home"
  mkdir -p "$HOME"
fi

# ---------------------------------------------------------------------------------------------- HTTP

# shellcheck disable=SC2034 # read by curl_error_text (qdrant-api.sh)
CURL_ERROR_TEXTS=([18]="the connection closed before the whole body arrived (truncated transfer)" [23]="could not write to SCRATCH_DIR (disk full?)")

CHILD=""
# run_child OUT_FILE ERR_FILE PROGRAM ARGS...: runs a program in the background (stdout and stderr to the files) and
# waits for it, so that a TERM signal (the Job's deadline, the pod being deleted) is handled at once rather than after a
# long transfer; returns its exit status. (No redirection on run_child itself: the signal trap would inherit it.)
run_child() {
  local out=$1 err=$2 rc=0
  shift 2
  "$@" >"$out" 2>"$err" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

# http BASE_URL METHOD PATH [JSON_BODY]: sets HTTP_STATUS and HTTP_BODY, or HTTP_ERROR (returns 1) when no HTTP
# answer came. HTTP_MAX_TIME overrides HTTP_TIMEOUT_SECONDS.
http() {
  local base=$1 method=$2 path=$3 body=${4-} rc=0
  local -a args=(--silent --show-error --connect-timeout 10 --max-time "${HTTP_MAX_TIME:-$HTTP_TIMEOUT_SECONDS}" -X "$method"
    -o "$WORK/http.body" -w '%{http_code}')
  if [[ -n $body ]]; then
    printf '%s' "$body" >"$WORK/http.request"
    args+=(-H 'Content-Type: application/json' --data-binary "@$WORK/http.request")
  fi
  HTTP_STATUS="" HTTP_BODY="" HTTP_ERROR="" HTTP_LAST="$method $path ($base)"
  : >"$WORK/http.body"
  run_child "$WORK/http.status" /dev/null curl --config <(curl_secret_config) "${args[@]}" "$base$path" || rc=$?
  if ((rc != 0)); then
    HTTP_ERROR=$(curl_error_text "$rc")
    return 1
  fi
  HTTP_STATUS=$(<"$WORK/http.status")
  HTTP_BODY=$(<"$WORK/http.body")
}

http_failed() { die "$(http_problem)"; } # exits with what went wrong in the last request

# download BASE_URL PATH FILE: GETs PATH into FILE; exits on any failure.
# shellcheck disable=SC2034 # HTTP_* are read by http_problem (qdrant-api.sh)
download() {
  local base=$1 path=$2 file=$3 status rc=0
  HTTP_LAST="GET $path ($base)" HTTP_ERROR=""
  run_child "$WORK/http.status" /dev/null curl --config <(curl_secret_config) --silent --show-error --connect-timeout 10 \
    --max-time "$SNAPSHOT_TIMEOUT_SECONDS" -o "$file" -w '%{http_code}' "$base$path" || rc=$?
  status=$(<"$WORK/http.status")
  if ((rc != 0)); then
    HTTP_ERROR=$(curl_error_text "$rc")
    http_failed
  fi
  if [[ $status != 2?? ]]; then
    HTTP_STATUS=$status
    HTTP_BODY=$(head -c 2000 "$file" 2>/dev/null) || HTTP_BODY=""
    http_failed
  fi
}

# ---------------------------------------------------------------------------------------------- destination

AWS_ERROR=""
# aws_cli ARGS...: the AWS CLI with the endpoint; stdout goes to $WORK/aws.out, stderr to AWS_ERROR (returns its status).
aws_cli() {
  local rc=0 err="$WORK/aws.err"
  local -a endpoint=()
  [[ -z $S3_ENDPOINT_URL ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
  run_child "$WORK/aws.out" "$err" aws "${endpoint[@]}" "$@" || rc=$?
  AWS_ERROR=$(tr -s '\n' ' ' <"$err")
  AWS_ERROR=${AWS_ERROR% }
  return "$rc"
}

s3_key() { printf '%s' "${S3_PREFIX:+$S3_PREFIX/}$1"; }

# dest_url REL: the URL shown in messages.
dest_url() {
  if [[ $DEST_KIND == s3 ]]; then printf 's3://%s/%s' "$S3_BUCKET" "$(s3_key "$1")"; else printf 'file://%s/%s' "$DEST_DIR" "$1"; fi
}

# dest_put LOCAL_FILE REL [CONTENT_TYPE]: stores the file at <destination>/REL; exits on failure.
dest_put() {
  local file=$1 rel=$2 type=${3:-application/octet-stream} target
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3 cp --only-show-errors --no-progress --content-type "$type" "$file" "s3://$S3_BUCKET/$(s3_key "$rel")" ||
      die "upload to $(dest_url "$rel") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    target="$DEST_DIR/$rel"
    if ! mkdir -p -- "${target%/*}" 2>"$WORK/cp.err" || ! run_child /dev/null "$WORK/cp.err" cp -- "$file" "$target.partial"; then
      die "writing $(dest_url "$rel") failed: $(tr -s '\n' ' ' <"$WORK/cp.err")"
    fi
    sync -- "$target.partial" 2>/dev/null || sync # coreutils < 8.24 syncs only everything
    mv -f -- "$target.partial" "$target" 2>"$WORK/cp.err" || die "writing $(dest_url "$rel") failed: $(tr -s '\n' ' ' <"$WORK/cp.err")"
  fi
}

# dest_backups: one line "<TS> complete|incomplete" per backup under the destination, oldest first.
dest_backups() {
  local d ts out
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${S3_PREFIX:+$S3_PREFIX/}" --output json ||
      die "listing $(dest_url "") failed: ${AWS_ERROR:-aws exited non-zero}"
    out=$(<"$WORK/aws.out")
    [[ -n $out ]] || out="{}" # no objects: the AWS CLI prints nothing
    printf '%s' "$out" | jq -r --arg p "${S3_PREFIX:+$S3_PREFIX/}" --arg pattern "$TS_PATTERN" '
      [(.Contents // [])[].Key | ltrimstr($p) | split("/") | select(length > 1 and (.[0] | test($pattern)))
        | {ts: .[0], manifest: (.[1:] == ["manifest.json"])}]
      | group_by(.ts)[] | "\(.[0].ts) \(if any(.manifest) then "complete" else "incomplete" end)"' ||
      die "listing $(dest_url "") gave an unexpected answer"
  else
    [[ -d $DEST_DIR ]] || return 0
    for d in "$DEST_DIR"/*/; do
      ts=${d%/}
      ts=${ts##*/}
      [[ $ts =~ $TS_PATTERN ]] || continue
      if [[ -f $d/manifest.json ]]; then echo "$ts complete"; else echo "$ts incomplete"; fi
    done
  fi
}

# dest_check_sizes: exits unless every file in $WORK/files.jsonl is at the destination with its size.
dest_check_sizes() {
  local out rel size actual bad=()
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$(s3_key "$TS/")" --output json ||
      die "listing $(dest_url "$TS/") failed: ${AWS_ERROR:-aws exited non-zero}"
    out=$(<"$WORK/aws.out")
    [[ -n $out ]] || out="{}"
    printf '%s' "$out" | jq -c --arg p "$(s3_key "$TS/")" '[(.Contents // [])[] | {key: (.Key | ltrimstr($p)), value: .Size}] | from_entries' >"$WORK/sizes.json" ||
      die "listing $(dest_url "$TS/") gave an unexpected answer"
    mapfile -t bad < <(jq -r --slurpfile sizes "$WORK/sizes.json" '
      select($sizes[0][.path] != .size) | "\(.path): \(.size) bytes uploaded, \($sizes[0][.path] // "no object") found"' "$WORK/files.jsonl")
  else
    while IFS=$'\t' read -r rel size; do
      actual=$(stat -c %s -- "$DEST_DIR/$TS/$rel" 2>/dev/null) || actual="no file"
      [[ $actual == "$size" ]] || bad+=("$rel: $size bytes written, $actual found")
    done < <(jq -r '"\(.path)\t\(.size)"' "$WORK/files.jsonl")
  fi
  if ((${#bad[@]} > 0)); then
    for b in "${bad[@]}"; do printf '%s: error: %s\n' "$PROG" "$(dest_url "$TS/")$b" >&2; done
    die "${#bad[@]} file(s) at the destination differ from what was sent"
  fi
}

# dest_delete TS...: deletes whole backups.
dest_delete() {
  local ts
  local -a filters=()
  (($# > 0)) || return 0
  if [[ $DEST_KIND == s3 ]]; then
    for ts in "$@"; do filters+=(--include "$ts/*"); done
    aws_cli s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/${S3_PREFIX:+$S3_PREFIX/}" --exclude "*" "${filters[@]}" ||
      die "deleting $* under $(dest_url "") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    for ts in "$@"; do
      rm -rf -- "${DEST_DIR:?}/$ts" 2>"$WORK/rm.err" || die "deleting $(dest_url "$ts") failed: $(tr -s '\n' ' ' <"$WORK/rm.err")"
    done
  fi
}

epoch_of() { # YYYYMMDD_HHMMSS -> seconds since 1970 (UTC)
  date -u -d "${1:0:4}-${1:4:2}-${1:6:2} ${1:9:2}:${1:11:2}:${1:13:2}" +%s
}

# ---------------------------------------------------------------------------------------------- cleanup

WORK=$(mktemp -d "$SCRATCH_DIR/qdrant-backup.XXXXXX")
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
    printf '%s: error: backup %s FAILED: no manifest was written, so %s is incomplete and will never be restored; the next run makes a new backup\n' \
      "$PROG" "$TS" "$(dest_url "$TS/")" >&2
  fi
  exit "$rc"
}
# A signal stops the transfer under way (run_child), then on_exit cleans up.
on_signal() {
  [[ -z $CHILD ]] || kill "$CHILD" 2>/dev/null || true
  CHILD=""
  printf '%s: error: stopped by %s\n' "$PROG" "$2" >&2
  exit "$1"
}
trap on_exit EXIT
trap 'on_signal 143 "SIGTERM (the Job deadline or the pod being deleted)"' TERM
trap 'on_signal 130 SIGINT' INT

# ---------------------------------------------------------------------------------------------- backup

FIRST=${PEERS[0]}

# Peers: snapshots are per peer, so every peer must be listed.
api_ok "$FIRST" GET /cluster
cluster_status=$(body_jq -r '.result.status')
if [[ $cluster_status == enabled ]]; then
  cluster_peers=$(body_jq '.result.peers | length')
else
  cluster_peers=1
fi
if ((cluster_peers != PEER_COUNT)); then
  die "Qdrant at $FIRST reports $cluster_peers peer(s) (cluster $cluster_status) but QDRANT_PEER_URLS lists $PEER_COUNT; snapshots are per peer, so list every peer's URL in ordinal order"
fi

api_ok "$FIRST" GET /
reported_version=$(body_jq -r '.version // ""')

backups=$(dest_backups)
if [[ $'\n'$backups$'\n' == *$'\n'"$TS complete"$'\n'* ]]; then
  die "a complete backup named $TS already exists at $(dest_url "$TS/"); not overwriting it"
fi

api_ok "$FIRST" GET /collections
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
STARTED=1
if ((PEER_COUNT == 1)); then where="1 peer (single node)"; else where="$PEER_COUNT peers (cluster)"; fi
log "backup $TS: ${#COLLECTIONS[@]} collection(s) on $where to $(dest_url "$TS/")"
((${#COLLECTIONS[@]} > 0)) || warn "Qdrant has no collections; the backup holds only its manifest"

: >"$WORK/files.jsonl"
: >"$WORK/collections.jsonl"
total_bytes=0
for c in "${COLLECTIONS[@]}"; do
  cpath=$(collection_path "$c")
  api_ok "$FIRST" GET "$cpath"
  info=$(body_jq -c '.result | {config, payload_schema: ((.payload_schema // {}) | map_values(del(.points))), points_count}')
  : >"$WORK/collection-files.jsonl"
  for ((n = 0; n < PEER_COUNT; n++)); do
    peer=${PEERS[n]}
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
    total_bytes=$((total_bytes + size))
    log "collection \"$c\"$who: snapshot $name ($size bytes, sha256 $sum) stored as $(dest_url "$TS/$rel")"
  done
  api_ok "$FIRST" GET "$cpath"
  after=$(body_jq '.result.points_count')
  jq -c --arg name "$c" --argjson after "$after" --slurpfile files "$WORK/collection-files.jsonl" \
    '{name: $name, value: (. + {points_count_after: $after, files: $files})}' <<<"$info" >>"$WORK/collections.jsonl"
done

dest_check_sizes

jq -n --arg ts "$TS" --arg completed "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg version "$QDRANT_VERSION" --arg reported "$reported_version" \
  --argjson peers "$PEER_COUNT" --slurpfile collections "$WORK/collections.jsonl" \
  '{format: 1, timestamp: $ts, completed_at: $completed,
    qdrant_version: (if $version == "" then null else $version end), qdrant_reported_version: $reported,
    peer_count: $peers, collections: ($collections | from_entries)}' >"$WORK/manifest.json"
dest_put "$WORK/manifest.json" "$TS/manifest.json" application/json
MANIFEST_WRITTEN=1
file_count=$(wc -l <"$WORK/files.jsonl")
log "backup $TS complete: ${#COLLECTIONS[@]} collection(s), $((file_count)) snapshot file(s), $total_bytes bytes; manifest $(dest_url "$TS/manifest.json")"

# ---------------------------------------------------------------------------------------------- pruning

if [[ $BACKUP_PRUNE != true ]]; then
  exit 0
fi
# The listing from the start of the run, plus this backup (concurrencyPolicy Forbid: no other run adds one meanwhile).
listed=("$TS complete")
while read -r ts state; do
  [[ -z $ts || $ts == "$TS" ]] || listed+=("$ts $state")
done <<<"$backups"
backups=$(printf '%s\n' "${listed[@]}" | sort)
now=$(date -u +%s)
cutoff=$((now - BACKUP_RETENTION_DAYS * 86400))
newest_complete=""
while read -r ts state; do
  [[ $state != complete ]] || newest_complete=$ts
done <<<"$backups"
doomed=() kept=0
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
