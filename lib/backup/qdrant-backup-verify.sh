#!/usr/bin/env bash
# qdrant-backup-verify.sh: proves the newest complete backup that holds points restores (newer empty ones are named
# in a warning). It restores every collection of that backup into a scratch collection <collection>_restore_check,
# compares it with the backup's manifest, and deletes the scratch collections again (always, also when something
# fails), so a broken backup is found before it is needed.
#
# Run by the optional verification CronJob. Sources log.sh, qdrant-api.sh, backup-destination.sh and restore-steps.sh
# (the restore's steps), which must sit in the same directory (mounted from the ConfigMap). Needs bash >= 5.1 (see
# qdrant-api.sh), curl, jq, GNU coreutils and findutils or BusyBox (as qdrant-restore.sh) and, for s3://, the AWS CLI
# v2. Single-node backups only: a backup taken from several peers, or several QDRANT_PEER_URLS, is refused (exit 2).
# Collection names ending in _restore_check are reserved for these scratch copies (qdrant-backup.sh skips them).
#
# Environment (as for qdrant-restore.sh, which documents them):
#   QDRANT_PEER_URLS          required; exactly one base URL (single node)
#   QDRANT_API_KEY            optional; a read-write key (the check creates and deletes collections); never printed
#   BACKUP_DESTINATION        required; s3://<bucket>[/<prefix>] or file:///<directory>
#   S3_ENDPOINT_URL           optional
#   SCRATCH_DIR               required; holds one downloaded snapshot at a time (s3://): the largest one must fit
#   VERIFY_COLLECTIONS        optional; space-separated subset of the backup's collections; default: all
#   HTTP_TIMEOUT_SECONDS      default 120
#   SNAPSHOT_TIMEOUT_SECONDS  default 600 (plus the time a file's bytes take at TRANSFER_MIN_MIB_PER_SECOND)
#   TRANSFER_MIN_MIB_PER_SECOND  default 25
#   POLL_INTERVAL_SECONDS     default 1; the pause between two looks at shard placement and transfers (fractions allowed)
#
# What it compares, per collection, restored copy against the manifest: the sha256 of every file (before anything is
# uploaded), points_count, the config's params.vectors, params.sparse_vectors, params.shard_number,
# params.on_disk_payload, hnsw_config and quantization_config (every value the manifest holds must be equal; keys
# only the restored copy has, such as a newer Qdrant's defaults, are ignored), and the payload indexes (field names,
# types and parameters, both ways).
#
# Output: one line per step on stdout; each difference on stderr naming the collection, the setting and both values.
# Exit status: 0 the backup restores and matches; 1 a difference, a failure, or a scratch collection that could not be
# deleted; 2 bad inputs or a cluster backup.
set -euo pipefail

# shellcheck disable=SC2034 # read by log.sh
PROG="qdrant-backup-verify"
readonly SUFFIX="_restore_check"
here=${BASH_SOURCE[0]%/*}
[[ ${BASH_SOURCE[0]} == */* ]] || here=.
# shellcheck source=/dev/null # the libraries are linted on their own
for lib in log.sh qdrant-api.sh backup-destination.sh restore-steps.sh; do . "$here/$lib"; done

SCRATCH_COLLECTIONS=()
FAILED_CLEANUP=0

# delete_scratch_collections WHY: deletes every scratch collection that exists; never exits.
delete_scratch_collections() {
  local name path
  for name in "${SCRATCH_COLLECTIONS[@]}"; do
    path=$(collection_path "$name") || continue
    if ! http "${PEERS[0]}" GET "$path/exists" || [[ $HTTP_STATUS != 2?? ]]; then
      warn "could not check scratch collection \"$name\": $(http_problem); delete it by hand"
      FAILED_CLEANUP=1
      continue
    fi
    [[ $(printf '%s' "$HTTP_BODY" | jq -r '.result.exists' 2>/dev/null) == true ]] || continue
    if http "${PEERS[0]}" DELETE "$path" && [[ $HTTP_STATUS == 2?? ]]; then
      log "deleted scratch collection \"$name\"$1"
    else
      warn "could not delete scratch collection \"$name\": $(http_problem); delete it by hand"
      FAILED_CLEANUP=1
    fi
  done
}

verify_exit() {
  local rc=$?
  set +e
  delete_scratch_collections ""
  restore_cleanup
  if ((FAILED_CLEANUP == 1 && rc == 0)); then rc=1; fi
  exit "$rc"
}

# The comparison: a difference is {path, want, got}; `want` from the manifest, `got` from the restored copy.
# shellcheck disable=SC2016 # $names below are jq variables
readonly COMPARE_JQ='
def diffs($w; $a; $path):
  if ($w | type) == "object" and ($a | type) == "object" then
    [$w | keys_unsorted[] as $k | diffs($w[$k]; $a[$k]; "\($path).\($k)")] | add // []
  elif $w == $a then []
  else [{path: $path, want: $w, got: $a}] end;
def pick: {params: (.params | {vectors, sparse_vectors, shard_number, on_disk_payload} | with_entries(select(.value != null))),
           hnsw_config, quantization_config};
def schema: (. // {}) | map_values(del(.points));
. as $got | $want |
  diffs(.config | pick; $got.config; "config")
  + diffs(.payload_schema | schema; $got.payload_schema | schema; "payload_schema")
  + [($got.payload_schema | schema) as $g | ($g | keys[]) as $k | select((.payload_schema | schema | has($k)) | not)
      | {path: "payload_schema.\($k)", want: null, got: $g[$k]}]
| .[] | "\(.path) is \(.want | if . == null then "not set" else tojson end) in the manifest but \(.got | if . == null then "not set" else tojson end) in the restored copy"'

main() {
  local c kept found line differences
  # shellcheck disable=SC2034 # read by restore_read_inputs (restore-steps.sh)
  RESTORE_TIMESTAMP=latest RESTORE_TARGET_SUFFIX=$SUFFIX RESTORE_COLLECTIONS=${VERIFY_COLLECTIONS:-}
  problems=()
  restore_read_inputs
  ((PEER_COUNT <= 1)) || problems+=("QDRANT_PEER_URLS lists $PEER_COUNT peers; backup verification supports single-node Qdrant only")
  exit_on_problems

  restore_setup
  trap verify_exit EXIT
  trap 'stop_child; exit 143' TERM
  trap 'stop_child; exit 130' INT

  restore_resolve_timestamp
  restore_fetch_manifest
  if ((MANIFEST_PEERS > 1)); then
    error "backup $BACKUP_TS was taken from $MANIFEST_PEERS peers; backup verification supports single-node backups only"
    exit 2
  fi
  # Scratch copies that a killed run left behind and a backup then saved are not verified (the name is reserved).
  kept=()
  for c in "${BACKUP_COLLECTIONS[@]}"; do
    if [[ $c == *"$SUFFIX" ]]; then log "skipping collection \"$c\": a scratch copy of an earlier verification"; else kept+=("$c"); fi
  done
  BACKUP_COLLECTIONS=("${kept[@]}")
  restore_select_collections
  for c in "${SELECTED[@]}"; do SCRATCH_COLLECTIONS+=("$c$SUFFIX"); done
  restore_check_peers
  delete_scratch_collections " (left over from an earlier run)"
  restore_check_files
  restore_plan
  for c in "${SELECTED[@]}"; do restore_upload "$c"; done

  differences=()
  for c in "${SELECTED[@]}"; do
    restore_points_problem "$c"
    [[ -z $POINTS_PROBLEM ]] || differences+=("$POINTS_PROBLEM")
    api_ok "${PEERS[0]}" GET "$(collection_path "$c$SUFFIX")"
    found=$(jq -r --argjson want "$(jq -c --arg c "$c" '.collections[$c]' "$MANIFEST")" "$COMPARE_JQ" <<<"$(body_jq -c '.result')") ||
      die "comparing collection \"$c\" failed"
    if [[ -z $found ]]; then
      log "collection \"$c$SUFFIX\": config and payload indexes match the manifest"
    else
      while IFS= read -r line; do differences+=("collection \"$c$SUFFIX\": $line"); done <<<"$found"
    fi
  done

  delete_scratch_collections ""
  ((FAILED_CLEANUP == 0)) || differences+=("a scratch collection could not be deleted (see above)")
  ((${#differences[@]} == 0)) ||
    die_listing "backup $BACKUP_TS FAILED verification: ${#differences[@]} difference(s) between the restored copies and the manifest" "${differences[@]}"
  log "backup $BACKUP_TS verified: ${#SELECTED[@]} collection(s) restored as <name>$SUFFIX and matched the manifest"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
