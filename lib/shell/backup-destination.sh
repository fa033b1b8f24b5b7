#!/usr/bin/env bash
# backup-destination.sh: where backups live, for qdrant-backup.sh, qdrant-restore.sh and qdrant-backup-verify.sh: the
# checks of the peer URLs and the destination, and reading, writing, listing and deleting at an s3:// or file://
# destination (the AWS CLI for S3: v2 in the tests, v1 in the default job image, so only what both have). Sourced,
# never run: it only defines functions, and must sit in the same directory as the scripts that source it (mounted
# from the same ConfigMap), with log.sh sourced first.
#
# The functions below check_peers_and_destination read what it sets (DEST_KIND, S3_BUCKET, S3_PREFIX, DEST_DIR) and
# S3_ENDPOINT_URL, and keep their work files in WORK (an existing directory). TS_PATTERN is a backup's name.

readonly TS_PATTERN='^[0-9]{8}_[0-9]{6}$'

# check_peers_and_destination: the input checks of qdrant-backup.sh and qdrant-restore.sh. Reads QDRANT_PEER_URLS,
# QDRANT_API_KEY, BACKUP_DESTINATION and S3_ENDPOINT_URL; sets PEERS (each without a trailing /), DEST_KIND (s3 or
# file), S3_BUCKET, S3_PREFIX and DEST_DIR; adds what is wrong to the caller's array `problems`.
# shellcheck disable=SC2034 # the globals it sets are read by the caller
check_peers_and_destination() {
  local i
  local -A seen=()
  PEERS=()
  read -r -a PEERS <<<"$QDRANT_PEER_URLS" || true
  if ((${#PEERS[@]} == 0)); then
    problems+=("QDRANT_PEER_URLS is required: space-separated base URLs, one per peer in ordinal order (e.g. http://acme-qdrant-0.acme-qdrant-headless:6333)")
  fi
  for i in "${!PEERS[@]}"; do
    PEERS[i]=${PEERS[i]%/}
    [[ ${PEERS[i]} =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?$ ]] || problems+=("QDRANT_PEER_URLS entry $i must be an http:// or https:// URL, got \"${PEERS[i]}\"")
    [[ -z ${seen[${PEERS[i]}]+x} ]] || problems+=("QDRANT_PEER_URLS lists ${PEERS[i]} twice")
    seen[${PEERS[i]}]=1
  done
  [[ $QDRANT_API_KEY != *$'\n'* ]] || problems+=("QDRANT_API_KEY must not contain a line break")
  DEST_KIND="" S3_BUCKET="" S3_PREFIX="" DEST_DIR=""
  if [[ -z $BACKUP_DESTINATION ]]; then
    problems+=("BACKUP_DESTINATION is required: s3://<bucket>/<prefix> or file:///<directory>")
  elif [[ $BACKUP_DESTINATION =~ ^s3://([^/]+)(/(.*))?$ ]]; then
    DEST_KIND=s3 S3_BUCKET=${BASH_REMATCH[1]} S3_PREFIX=${BASH_REMATCH[3]}
    while [[ $S3_PREFIX == */ ]]; do S3_PREFIX=${S3_PREFIX%/}; done
    [[ $S3_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || problems+=("BACKUP_DESTINATION has an invalid S3 bucket name \"$S3_BUCKET\" (3-63 characters: a-z, 0-9, '.', '-')")
    [[ $S3_PREFIX != *[[:cntrl:]]* && $S3_PREFIX != *//* ]] || problems+=("BACKUP_DESTINATION has an invalid S3 prefix \"$S3_PREFIX\"")
  elif [[ $BACKUP_DESTINATION =~ ^file://(/.*)$ ]]; then
    DEST_KIND=file DEST_DIR=${BASH_REMATCH[1]}
    while [[ $DEST_DIR == ?*/ ]]; do DEST_DIR=${DEST_DIR%/}; done
    [[ $DEST_DIR != / ]] || problems+=("BACKUP_DESTINATION must name a directory below /, got \"$BACKUP_DESTINATION\"")
  else
    problems+=("BACKUP_DESTINATION must be s3://<bucket>/<prefix> or file:///<absolute directory>, got \"$BACKUP_DESTINATION\"")
  fi
  [[ -z $S3_ENDPOINT_URL || $S3_ENDPOINT_URL =~ ^https?://[^[:space:]]+$ ]] || problems+=("S3_ENDPOINT_URL must be an http:// or https:// URL, got \"$S3_ENDPOINT_URL\"")
}

# dest_setup_work: the work directory WORK below SCRATCH_DIR (also HTTP_WORK), and the AWS CLI's environment.
dest_setup_work() {
  export AWS_PAGER="" # the AWS CLI v2 would otherwise pipe JSON through `less`
  # The AWS CLI may write caches below $HOME; with a read-only root filesystem only SCRATCH_DIR is writable.
  if [[ -z ${HOME:-} || ! -w ${HOME:-/nonexistent} ]]; then
    export HOME="$SCRATCH_DIR/.home"
    mkdir -p "$HOME"
  fi
  WORK=$(mktemp -d "$SCRATCH_DIR/$PROG.XXXXXX")
  # shellcheck disable=SC2034 # read by http_request (qdrant-api.sh)
  HTTP_WORK=$WORK
}

# read_cluster_peers: GET /cluster on the first peer; sets CLUSTER_STATUS and CLUSTER_PEERS (1 when cluster mode is
# off): the count QDRANT_PEER_URLS must match, since snapshots are per peer.
# shellcheck disable=SC2034 # the globals it sets are read by the caller
read_cluster_peers() {
  local seen
  api_ok "${PEERS[0]}" GET /cluster
  seen=$(body_jq -r '.result | "\(.status) \(if .status == "enabled" then .peers | length else 1 end)"')
  read -r CLUSTER_STATUS CLUSTER_PEERS <<<"$seen"
}

# one_line_into VAR FILE: sets VAR to FILE's text with each run of line breaks as one space (as `tr -s '\n' ' '`),
# without a process; one_line FILE prints it.
one_line_into() {
  local text=""
  [[ ! -s $2 ]] || IFS= read -r -d '' text <"$2" || true
  while [[ $text == *$'\n\n'* ]]; do text=${text//$'\n\n'/$'\n'}; done
  printf -v "$1" '%s' "${text//$'\n'/ }"
}
one_line() {
  local line
  one_line_into line "$1"
  printf '%s' "$line"
}

AWS_ERROR=""
# aws_cli ARGS...: the AWS CLI with the endpoint; stdout goes to $WORK/aws.out, stderr to AWS_ERROR (returns its status).
aws_cli() {
  local rc=0 err="$WORK/aws.err"
  local -a endpoint=()
  [[ -z $S3_ENDPOINT_URL ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
  run_child "$WORK/aws.out" "$err" aws "${endpoint[@]}" "$@" || rc=$?
  one_line_into AWS_ERROR "$err"
  AWS_ERROR=${AWS_ERROR% }
  return "$rc"
}

# dest_url REL: the URL shown in messages.
dest_url() {
  if [[ $DEST_KIND == s3 ]]; then printf 's3://%s/%s' "$S3_BUCKET" "${S3_PREFIX:+$S3_PREFIX/}$1"; else printf 'file://%s/%s' "$DEST_DIR" "$1"; fi
}

# dest_put LOCAL_FILE REL [CONTENT_TYPE]: stores the file at <destination>/REL; exits on failure.
dest_put() {
  local file=$1 rel=$2 type=${3:-application/octet-stream} target
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3 cp --only-show-errors --no-progress --content-type "$type" "$file" "s3://$S3_BUCKET/${S3_PREFIX:+$S3_PREFIX/}$rel" ||
      die "upload to $(dest_url "$rel") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    target="$DEST_DIR/$rel"
    if ! mkdir -p -- "${target%/*}" 2>"$WORK/cp.err" || ! run_child /dev/null "$WORK/cp.err" cp -- "$file" "$target.partial"; then
      die "writing $(dest_url "$rel") failed: $(one_line "$WORK/cp.err")"
    fi
    sync -- "$target.partial" 2>/dev/null || sync # coreutils < 8.24 syncs only everything
    mv -f -- "$target.partial" "$target" 2>"$WORK/cp.err" || die "writing $(dest_url "$rel") failed: $(one_line "$WORK/cp.err")"
  fi
}

# dest_get REL LOCAL_FILE: copies one file from the destination; exits on failure.
dest_get() {
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3 cp --only-show-errors --no-progress "s3://$S3_BUCKET/${S3_PREFIX:+$S3_PREFIX/}$1" "$2" ||
      die "downloading $(dest_url "$1") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    run_child /dev/null "$WORK/cp.err" cp -- "$DEST_DIR/$1" "$2" || die "reading $(dest_url "$1") failed: $(one_line "$WORK/cp.err")"
  fi
}

# dest_sha256 REL: the sha256 of <destination>/REL, read once and not kept (S3: streamed from the AWS CLI into
# sha256sum); exits on failure.
dest_sha256() {
  local sum
  if [[ $DEST_KIND == s3 ]]; then
    run_child "$WORK/sha256.out" "$WORK/aws.err" s3_stream_sha256 "s3://$S3_BUCKET/${S3_PREFIX:+$S3_PREFIX/}$1" || {
      one_line_into AWS_ERROR "$WORK/aws.err"
      die "reading $(dest_url "$1") failed: ${AWS_ERROR% }"
    }
  else
    run_child "$WORK/sha256.out" "$WORK/aws.err" sha256sum -- "$DEST_DIR/$1" || die "reading $(dest_url "$1") failed: $(one_line "$WORK/aws.err")"
  fi
  sum=$(<"$WORK/sha256.out")
  printf '%s' "${sum%% *}"
}

# s3_stream_sha256 S3_URL: the object through sha256sum (run by dest_sha256 under run_child).
s3_stream_sha256() {
  local -a endpoint=()
  [[ -z $S3_ENDPOINT_URL ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
  set -o pipefail
  aws "${endpoint[@]}" s3 cp --only-show-errors --no-progress "$1" - | sha256sum
}

# dest_list PREFIX: every file below <destination>/PREFIX (PREFIX ends with /) as "<path relative to the
# destination>\t<size>", one a line (one listing call for S3; for a directory, one find and one stat per batch of
# files, with options BusyBox has too: the job image's find has no -printf). Exits when the listing fails.
dest_list() {
  local out line path start
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${S3_PREFIX:+$S3_PREFIX/}$1" --output json ||
      die "listing $(dest_url "$1") failed: ${AWS_ERROR:-aws exited non-zero}"
    out=$(<"$WORK/aws.out")
    [[ -n $out ]] || return 0 # no objects: the AWS CLI prints nothing
    printf '%s' "$out" | jq -r --arg p "${S3_PREFIX:+$S3_PREFIX/}" '(.Contents // [])[] | "\(.Key | ltrimstr($p))\t\(.Size)"' ||
      die "listing $(dest_url "$1") gave an unexpected answer"
  elif [[ -d $DEST_DIR/$1 ]]; then
    start="$DEST_DIR/$1"
    find "$start" -type f -exec stat -c '%s %n' -- {} + >"$WORK/find.out" 2>"$WORK/find.err" ||
      die "listing $(dest_url "$1") failed: $(one_line "$WORK/find.err")"
    while IFS= read -r line; do # "<size> <start><path below it>"
      [[ $line == [0-9]*" $start"?* ]] || die "listing $(dest_url "$1") gave an unexpected line: $line"
      path=${line#* }
      path=${path#"$start"}
      printf '%s%s\t%s\n' "$1" "${path#/}" "${line%% *}"
    done <"$WORK/find.out"
  fi
}

# dest_sizes_differ PREFIX FILES_JSONL LISTING: "<path>\t<size>\t<size found, or nothing>" for every {path, size}
# line of FILES_JSONL (paths relative to PREFIX) whose file in LISTING (dest_list PREFIX's lines) is missing or has
# another size.
dest_sizes_differ() {
  jq -r --arg p "$1" --rawfile listing "$3" '
    ($listing | split("\n") | map(select(. != "") | split("\t") | {key: .[0], value: (.[1] | tonumber)}) | from_entries) as $found
    | select($found[$p + .path] != .size) | "\(.path)\t\(.size)\t\($found[$p + .path] // "nothing")"' "$2"
}

# dest_backups LISTING: one line "<TS> complete|incomplete" per backup in LISTING (a file of dest_list ""'s lines),
# oldest first. A backup is complete when its manifest.json is there.
dest_backups() {
  jq -Rrs --arg pattern "$TS_PATTERN" '
    [split("\n")[] | select(. != "") | split("\t")[0] | split("/") | select(length > 1 and (.[0] | test($pattern)))
      | {ts: .[0], manifest: (.[1:] == ["manifest.json"])}]
    | group_by(.ts)[] | "\(.[0].ts) \(if any(.manifest) then "complete" else "incomplete" end)"' "$1"
}

# dest_delete_file REL: deletes one file at the destination; exits on failure.
dest_delete_file() {
  if [[ $DEST_KIND == s3 ]]; then
    aws_cli s3 rm --only-show-errors "s3://$S3_BUCKET/${S3_PREFIX:+$S3_PREFIX/}$1" || die "deleting $(dest_url "$1") failed: ${AWS_ERROR:-aws exited non-zero}"
  else
    rm -f -- "$DEST_DIR/$1" 2>"$WORK/rm.err" || die "deleting $(dest_url "$1") failed: $(one_line "$WORK/rm.err")"
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
      rm -rf -- "${DEST_DIR:?}/$ts" 2>"$WORK/rm.err" || die "deleting $(dest_url "$ts") failed: $(one_line "$WORK/rm.err")"
    done
  fi
}

# manifest_points MANIFEST_FILE: the points its collections held (points_count summed; a collection whose count is
# unknown counts as one); 0 for a backup of a Qdrant that held no data (no collection, or only empty ones, e.g. those
# the init Job recreated after the data was lost). Prints nothing for a file that is not a manifest.
manifest_points() {
  jq -r '[(.collections // {})[] | .points_count | if . == null then 1 else . end] | add // 0' "$1" 2>/dev/null
}

# newest_with_points TS...: reads the manifests of the complete backups TS... (newest first) until one holds points
# (manifest_points); sets WITH_POINTS to it (empty when none does) and EMPTY_BACKUPS to the ones read before it.
# shellcheck disable=SC2034 # the globals it sets are read by the caller
newest_with_points() {
  local ts
  WITH_POINTS="" EMPTY_BACKUPS=()
  for ts in "$@"; do
    dest_get "$ts/manifest.json" "$WORK/candidate-manifest.json"
    if [[ $(manifest_points "$WORK/candidate-manifest.json") != 0 ]]; then
      WITH_POINTS=$ts
      return 0
    fi
    EMPTY_BACKUPS+=("$ts")
  done
}

# epoch_of YYYYMMDD_HHMMSS: seconds since 1970 (UTC); returns 1 for a time that does not exist (20250230_000000,
# 23:59:60), as GNU date does. In bash, without a process: BusyBox's `date -d` (the job image's) takes such a time and
# rolls it over (Feb 30 as Mar 2).
epoch_of() {
  local y m d days
  local -a month_days=(0 31 28 31 30 31 30 31 31 30 31 30 31)
  [[ $1 =~ ^([0-9]{4})([0-9]{2})([0-9]{2})_([0-9]{2})([0-9]{2})([0-9]{2})$ ]] || return 1
  y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  ((y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))) || month_days[2]=29
  ((m >= 1 && m <= 12 && d >= 1 && d <= month_days[m] && 10#${BASH_REMATCH[4]} < 24 && 10#${BASH_REMATCH[5]} < 60 && 10#${BASH_REMATCH[6]} < 60)) || return 1
  # Days from 1970-01-01 to the date (proleptic Gregorian calendar): years counted from March, so a leap day comes
  # last, and 400 years (146097 days) added so that no division meets a negative number.
  ((m > 2)) || y=$((y - 1))
  y=$((y + 400))
  days=$((365 * y + y / 4 - y / 100 + y / 400 - 146097 + (153 * ((m + 9) % 12) + 2) / 5 + d - 1 - 719468))
  echo $((days * 86400 + 10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]}))
}
