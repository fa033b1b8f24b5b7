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
  HTTP_TIMEOUT_SECONDS="${HTTP_TIMEOUT_SECONDS:-120}"
  SNAPSHOT_TIMEOUT_SECONDS="${SNAPSHOT_TIMEOUT_SECONDS:-3600}"

  check_peers_and_destination
  PEER_COUNT=${#PEERS[@]}
  if [[ -z $SCRATCH_DIR ]]; then
    problems+=("SCRATCH_DIR is required: a writable directory for the downloaded backup")
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
  [[ $SNAPSHOT_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got \"$SNAPSHOT_TIMEOUT_SECONDS\"")
  if [[ $DEST_KIND == s3 ]] && ! command -v aws >/dev/null 2>&1; then
    problems+=("the AWS CLI (aws) is needed for an s3:// BACKUP_DESTINATION but is not on PATH")
  fi
  return 0
}

# restore_setup: the work directory (removed by restore_cleanup).
restore_setup() { dest_setup_work; }

restore_cleanup() {
  [[ -z ${WORK:-} ]] || rm -rf -- "$WORK"
}

# upload_snapshot BASE_URL PATH FILE: POSTs FILE as the multipart field `snapshot`; sets what http sets.
# shellcheck disable=SC2034 # HTTP_* are read by http_problem and body_jq (qdrant-api.sh)
upload_snapshot() {
  local file=${3//\\/\\\\}
  file=${file//\"/\\\"}
  HTTP_MAX_TIME=$SNAPSHOT_TIMEOUT_SECONDS http "$1" POST "$2" "" -F "snapshot=@\"$file\";type=application/octet-stream"
}

# fnmatch_escape TEXT: TEXT as a literal AWS CLI --include pattern.
fnmatch_escape() {
  local in=$1 out="" ch i
  for ((i = 0; i < ${#in}; i++)); do
    ch=${in:i:1}
    case $ch in
    '[' | '*' | '?') out+="[$ch]" ;;
    *) out+=$ch ;;
    esac
  done
  printf '%s' "$out"
}

# restore_resolve_timestamp: sets BACKUP_TS from RESTORE_TIMESTAMP (or the newest complete backup).
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
    BACKUP_TS=$newest
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

# restore_fetch_manifest: reads <TS>/manifest.json into $WORK/manifest.json; sets MANIFEST_PEERS and BACKUP_COLLECTIONS.
restore_fetch_manifest() {
  local bad names
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
  MANIFEST_PEERS=$(jq '.peer_count' "$MANIFEST")
  names=$(jq -r '.collections | keys_unsorted[]' "$MANIFEST")
  BACKUP_COLLECTIONS=()
  [[ -z $names ]] || mapfile -t BACKUP_COLLECTIONS <<<"$names"
  log "backup $BACKUP_TS: ${#BACKUP_COLLECTIONS[@]} collection(s) from $MANIFEST_PEERS peer(s), Qdrant $(jq -r '.qdrant_version // .qdrant_reported_version // "unknown"' "$MANIFEST")"
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
  local cluster_status cluster_peers c files
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
  api_ok "${PEERS[0]}" GET /cluster
  cluster_status=$(body_jq -r '.result.status')
  if [[ $cluster_status == enabled ]]; then cluster_peers=$(body_jq '.result.peers | length'); else cluster_peers=1; fi
  if ((cluster_peers != PEER_COUNT)); then
    die "Qdrant at ${PEERS[0]} reports $cluster_peers peer(s) (cluster $cluster_status) but QDRANT_PEER_URLS lists $PEER_COUNT and backup $BACKUP_TS has $MANIFEST_PEERS; nothing was restored"
  fi
  api_ok "${PEERS[0]}" GET /
  local now_version was_version
  now_version=$(body_jq -r '.version // ""')
  was_version=$(jq -r '.qdrant_reported_version // ""' "$MANIFEST")
  if [[ -n $now_version && -n $was_version && $now_version != "$was_version" ]]; then
    warn "backup $BACKUP_TS was taken with Qdrant $was_version; restoring into Qdrant $now_version (Qdrant recovers snapshots from the same or the previous minor version)"
  fi
}

# restore_fetch_files: makes every file of the SELECTED collections available under FILES_ROOT and checks its size
# and sha256 against the manifest; exits listing every mismatch before anything is written to Qdrant.
restore_fetch_files() {
  local c rel size sum actual_size actual_sum count=0 bytes=0
  local -a filters=() bad=()
  if [[ $DEST_KIND == s3 ]]; then
    FILES_ROOT="$WORK/files"
    if ((${#SELECTED[@]} == ${#BACKUP_COLLECTIONS[@]})); then
      filters=(--exclude manifest.json)
    else
      filters=(--exclude "*")
      for c in "${SELECTED[@]}"; do filters+=(--include "$(fnmatch_escape "$c")/*"); done
    fi
    ((${#SELECTED[@]} == 0)) ||
      aws_cli s3 cp --recursive --only-show-errors --no-progress "s3://$S3_BUCKET/$(s3_key "$BACKUP_TS/")" "$FILES_ROOT/" "${filters[@]}" ||
      die "downloading $(dest_url "$BACKUP_TS/") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    FILES_ROOT="$DEST_DIR/$BACKUP_TS" # read in place
  fi
  while IFS=$'\t' read -r rel size sum; do
    [[ -n $rel ]] || continue
    if [[ ! -f $FILES_ROOT/$rel ]]; then
      bad+=("$(dest_url "$BACKUP_TS/$rel") is listed in the manifest but missing")
      continue
    fi
    actual_size=$(stat -c %s -- "$FILES_ROOT/$rel")
    actual_sum=$(sha256sum -- "$FILES_ROOT/$rel")
    actual_sum=${actual_sum%% *}
    if [[ $actual_size != "$size" || $actual_sum != "$sum" ]]; then
      bad+=("$(dest_url "$BACKUP_TS/$rel"): sha256 $actual_sum ($actual_size bytes) but the manifest says $sum ($size bytes)")
    else
      count=$((count + 1)) bytes=$((bytes + size))
    fi
  done < <(jq -r --args '.collections as $all | $ARGS.positional[] | $all[.].files[] | "\(.path)\t\(.size)\t\(.sha256)"' "${SELECTED[@]}" <"$MANIFEST")
  ((${#bad[@]} == 0)) || die_listing "${#bad[@]} file(s) of backup $BACKUP_TS do not match its manifest; nothing was restored" "${bad[@]}"
  log "checked $count file(s), $bytes bytes: every sha256 matches the manifest"
}

# restore_upload COLLECTION: uploads the collection's snapshot(s) into <collection><suffix>, peer N's file to peer N.
restore_upload() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX path peer rel sum existed n
  path=$(collection_path "$target")
  api_ok "${PEERS[0]}" GET "$path/exists"
  existed=$(body_jq -r '.result.exists')
  while IFS=$'\t' read -r n rel sum; do
    peer=${PEERS[n]}
    upload_snapshot "$peer" "$path/snapshots/upload?priority=snapshot&checksum=$sum" "$FILES_ROOT/$rel" || http_failed
    [[ $HTTP_STATUS == 2?? ]] || http_failed
    if ((PEER_COUNT == 1)); then
      log "collection \"$target\": $([[ $existed == true ]] && echo replaced || echo created) from $(dest_url "$BACKUP_TS/$rel")"
    else
      log "collection \"$target\" peer $n: $([[ $existed == true ]] && echo replaced || echo restored) from $(dest_url "$BACKUP_TS/$rel")"
    fi
  done < <(jq -r --arg c "$c" '.collections[$c].files | sort_by(.peer)[] | "\(.peer)\t\(.path)\t\(.sha256)"' "$MANIFEST")
}

# restore_points_problem COLLECTION: compares <collection><suffix>'s points_count with the manifest; prints a report
# line on stdout and sets POINTS_PROBLEM to the difference (empty when it matches).
restore_points_problem() {
  local c=$1 target=$1$RESTORE_TARGET_SUFFIX count lo hi
  api_ok "${PEERS[0]}" GET "$(collection_path "$target")"
  count=$(body_jq '.result.points_count')
  # Qdrant's points_count may be null (its API allows it): then there is nothing to compare.
  read -r lo hi < <(jq -r --arg c "$c" '.collections[$c] | [.points_count, .points_count_after] | map(numbers)
    | if length == 0 then "none none" else "\(min) \(max)" end' "$MANIFEST")
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
