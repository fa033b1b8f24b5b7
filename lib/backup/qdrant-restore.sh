#!/usr/bin/env bash
# qdrant-restore.sh: restores Qdrant collections from a backup written by qdrant-backup.sh. Every file's sha256 is
# checked against the backup's manifest BEFORE anything is written to Qdrant.
#
# Run by the restore Job (mounted from a ConfigMap). Needs bash >= 5.1 (see qdrant-api.sh), curl, jq, GNU coreutils and
# findutils or BusyBox (find, stat, sha256sum: only options both have) and, for s3:// destinations, the AWS CLI v2.
# Writes only below SCRATCH_DIR. Sources log.sh, qdrant-api.sh (HTTP), backup-destination.sh and restore-steps.sh (the
# steps it shares with qdrant-backup-verify.sh), which must sit in the same directory.
#
# Environment:
#   QDRANT_PEER_URLS          required; space-separated base URLs, one per Qdrant peer in ordinal order (as for the backup)
#   QDRANT_API_KEY            optional; sent as the `api-key` header through curl's --config on a pipe (never in a
#                             process's arguments) and never printed
#   BACKUP_DESTINATION        required; s3://<bucket>[/<prefix>] or file:///<directory>, as given to the backup
#   S3_ENDPOINT_URL           optional; an S3-compatible endpoint (MinIO), passed to the AWS CLI as --endpoint-url
#   SCRATCH_DIR               required; an existing writable directory; an s3:// restore downloads one snapshot file
#                             at a time here (it must hold the largest one); file:// restores read in place
#   RESTORE_TIMESTAMP         required; a backup's YYYYMMDD_HHMMSS, or "latest" (the newest backup with a manifest
#                             that holds points; newer empty ones are skipped with a warning)
#   RESTORE_COLLECTIONS       optional; space-separated names of the collections to restore; default: all in the backup
#   RESTORE_TARGET_SUFFIX     optional; restore collection <c> as <c><suffix> (letters, digits, _ and -); default: none,
#                             i.e. into <c> itself, replacing its current data
#   RESTORE_REPLACE_INCOMPATIBLE  default false; true lets the restore delete a collection that holds points but cannot
#                             take the backup's snapshots (another shard_number or vectors) and recreate it from the
#                             backup; false refuses it, naming the collection and both shard counts
#   HTTP_TIMEOUT_SECONDS      default 120; limit for one API request
#   SNAPSHOT_TIMEOUT_SECONDS  default 600; the fixed part of the limit for downloading and for uploading (and
#                             recovering) one snapshot; each adds the time its bytes take at TRANSFER_MIN_MIB_PER_SECOND
#   TRANSFER_MIN_MIB_PER_SECOND  default 25; the slowest rate (MiB/s) still taken as progress
#   POLL_INTERVAL_SECONDS     default 1; the pause between two looks at shard placement and transfers (fractions allowed)
#   RESTORE_REQUEST_ID        optional; what asked for this restore (the restore Job: the id Terraform gave its
#                             terraform_data <id>_restore_request, new each time backupRestoreTimestamp is set). A restore
#                             that completes writes restores/<id>.json at the destination; a run that finds it restores
#                             nothing and says so, so a Job created again for the same request (deleted by hand, then
#                             the next apply) does not overwrite what was written since
#
# What it does: picks the backup (an incomplete one, without manifest.json, is refused), reads its manifest, and
# refuses to restore anything when the number of peers differs from the backup's (QDRANT_PEER_URLS and GET /cluster
# must both count the manifest's peer_count: snapshots are per peer), saying what it cannot restore and why. Before
# anything is written to Qdrant it checks every chosen file against the manifest: its size from the destination's
# listing, its sha256 by reading it once without keeping it (S3: streamed into sha256sum); any mismatch stops it. It
# then decides, reading only, what each collection needs: one that exists and fits is replaced by the snapshot; one
# that does not fit (Qdrant refuses a snapshot whose shard_number or vectors differ) is deleted and recreated from the
# manifest when it is empty or RESTORE_REPLACE_INCOMPATIBLE is true, else the restore is refused before any write.
# In cluster mode a collection is created from the manifest and each peer's shards are placed where the backup had
# them. Then one file at a time (downloaded into SCRATCH_DIR from S3): POST
# /collections/{c}/snapshots/upload?priority=snapshot&checksum=<sha256> with the multipart field `snapshot` to the peer
# of the file's ordinal, after which the copy Qdrant keeps on its snapshot volume and the scratch copy are deleted; in
# cluster mode it then waits until Qdrant has copied the other replicas of those shards again (every replica Active,
# no transfer). Into a collection that existed it adds the backup's payload indexes it lacks. Finally it compares each collection's points_count (GET on the first peer) with the manifest's (a range when points
# were written while the backup ran) and reports.
#
# Output: one line per step on stdout, errors on stderr. Exit status: 0 restored and counts match; 1 a failure, a
# refusal, or a points_count that differs; 2 bad inputs (every problem is listed).
set -euo pipefail

# shellcheck disable=SC2034 # read by log.sh
PROG="qdrant-restore"
here=${BASH_SOURCE[0]%/*}
[[ ${BASH_SOURCE[0]} == */* ]] || here=.
# shellcheck source=/dev/null # the libraries are linted on their own
for lib in log.sh qdrant-api.sh backup-destination.sh restore-steps.sh; do . "$here/$lib"; done

main() {
  # shellcheck disable=SC2034 # filled by restore_read_inputs (restore-steps.sh)
  problems=()
  restore_read_inputs
  RESTORE_REQUEST_ID="${RESTORE_REQUEST_ID:-}"
  [[ -z $RESTORE_REQUEST_ID || $RESTORE_REQUEST_ID =~ ^[A-Za-z0-9-]{1,64}$ ]] ||
    problems+=("RESTORE_REQUEST_ID must be letters, digits and - (at most 64), got \"$RESTORE_REQUEST_ID\"")
  exit_on_problems
  restore_setup
  trap restore_cleanup EXIT
  trap 'stop_child; exit 143' TERM
  trap 'stop_child; exit 130' INT

  if [[ -n $RESTORE_REQUEST_ID ]] && restore_request_done; then return 0; fi
  restore_resolve_timestamp
  restore_fetch_manifest
  restore_select_collections
  restore_check_peers
  restore_check_files
  restore_plan
  local c mismatches=()
  for c in "${SELECTED[@]}"; do
    restore_prepare "$c"
    restore_upload "$c"
    restore_missing_indexes "$c"
  done
  for c in "${SELECTED[@]}"; do
    restore_points_problem "$c"
    [[ -z $POINTS_PROBLEM ]] || mismatches+=("$POINTS_PROBLEM")
  done
  ((${#mismatches[@]} == 0)) ||
    die_listing "restore of backup $BACKUP_TS finished, but ${#mismatches[@]} collection(s) have another points_count than the manifest" "${mismatches[@]}"
  log "restore of backup $BACKUP_TS complete: ${#SELECTED[@]} collection(s)${RESTORE_TARGET_SUFFIX:+ (as <name>$RESTORE_TARGET_SUFFIX)}"
  [[ -z $RESTORE_REQUEST_ID ]] || restore_request_record
}

# restore_request_done: true (saying so) when restores/<RESTORE_REQUEST_ID>.json is at the destination: this request
# completed before.
restore_request_done() {
  local rel="restores/$RESTORE_REQUEST_ID.json" listed found=""
  dest_list "restores/" >"$WORK/restores.tsv"
  while IFS=$'\t' read -r listed _; do [[ $listed != "$rel" ]] || found=1; done <"$WORK/restores.tsv"
  [[ -n $found ]] || return 1
  dest_get "$rel" "$WORK/request.json"
  # Another backup named for the same request (Terraform gives a new timestamp a new id; this is the backstop).
  if [[ $RESTORE_TIMESTAMP != latest && $(jq -r '.backup // ""' "$WORK/request.json" 2>/dev/null) != "$RESTORE_TIMESTAMP" ]]; then
    return 1
  fi
  log "restore request $RESTORE_REQUEST_ID completed before ($(jq -r '"backup \(.backup), \(.completed)"' "$WORK/request.json" 2>/dev/null || echo "see $(dest_url "$rel")")): nothing restored again. This Job was created again for the same request (deleted by hand, then applied?); to restore again, remove backupRestoreTimestamp, apply, set it and apply"
}

# restore_request_record: writes restores/<RESTORE_REQUEST_ID>.json (which backup, when, which collections).
restore_request_record() {
  jq -n --arg id "$RESTORE_REQUEST_ID" --arg ts "$BACKUP_TS" --arg completed "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{request: $id, backup: $ts, completed: $completed, collections: $ARGS.positional}' --args "${SELECTED[@]}" >"$WORK/request.json"
  dest_put "$WORK/request.json" "restores/$RESTORE_REQUEST_ID.json" application/json
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
