#!/usr/bin/env bash
# qdrant-api.sh: the HTTP helpers that collection-init.sh, qdrant-backup.sh and qdrant-restore.sh (and through it
# qdrant-backup-verify.sh) share for talking to Qdrant's REST API, and the input checks the backup scripts share. Sourced, never run: it only defines variables and
# functions, and must sit in the same directory as the scripts that source it (mount it from the same ConfigMap).
#
# The sourcing script provides:
#   QDRANT_API_KEY        the API key, or empty; sent as the `api-key` header through curl's --config on a pipe (never
#                         in a process's arguments) and never printed
#   HTTP_TIMEOUT_SECONDS  limit for one request made with http_request (HTTP_MAX_TIME overrides it)
#   die MESSAGE...        prints an error and exits 1
#   http ARGS...          its own request function (setting what http_request sets), used by api_ok
#   http_failed           exits with what went wrong in the last request (http_problem says it for most scripts)
# and may add texts for curl exit codes its transfers can cause to CURL_ERROR_TEXTS (code -> text).

# The last request: its answer (HTTP_STATUS, HTTP_BODY), or why none came (HTTP_ERROR), and how messages name it
# (HTTP_LAST).
HTTP_STATUS=""
HTTP_BODY=""
HTTP_ERROR=""
HTTP_LAST=""

# curl options that must not show in `ps`: the API key header, read by curl from a pipe.
curl_secret_config() {
  if [[ -n $QDRANT_API_KEY ]]; then
    local key=${QDRANT_API_KEY//\\/\\\\}
    key=${key//\"/\\\"}
    printf 'header = "api-key: %s"\n' "$key"
  fi
}

# curl_error_text CODE: what curl's exit code CODE means; CURL_ERROR_TEXTS holds a script's own codes.
declare -gA CURL_ERROR_TEXTS=()
curl_error_text() {
  if [[ -n ${CURL_ERROR_TEXTS[$1]+x} ]]; then
    echo "${CURL_ERROR_TEXTS[$1]}"
    return 0
  fi
  case $1 in
  6) echo "could not resolve the host" ;;
  7) echo "could not connect" ;;
  28) echo "timed out" ;;
  35 | 51 | 58 | 60) echo "TLS error (curl exit code $1)" ;;
  52) echo "empty reply from server" ;;
  55 | 56) echo "connection broken" ;;
  *) echo "curl exit code $1" ;;
  esac
}

# http_answer RC OUT: the outcome of a curl run with -w '\n%{http_code}' that exited with RC and printed OUT: sets
# HTTP_STATUS and HTTP_BODY, or HTTP_ERROR (returns 1) when no HTTP answer came.
http_answer() {
  if (($1 != 0)); then
    HTTP_ERROR=$(curl_error_text "$1")
    return 1
  fi
  HTTP_STATUS=${2##*$'\n'}
  HTTP_BODY=${2%$'\n'*}
}

# http_request NAME URL METHOD [JSON_BODY]: one request; NAME is how messages call it (HTTP_LAST). Sets what
# http_answer sets. HTTP_MAX_TIME overrides HTTP_TIMEOUT_SECONDS.
http_request() {
  local name=$1 url=$2 method=$3 body=${4-} out rc=0
  local -a args=(--silent --show-error --connect-timeout 10 --max-time "${HTTP_MAX_TIME:-$HTTP_TIMEOUT_SECONDS}" -X "$method" -w '\n%{http_code}')
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary @-)
  HTTP_STATUS="" HTTP_BODY="" HTTP_ERROR="" HTTP_LAST=$name
  out=$(printf '%s' "$body" | curl --config <(curl_secret_config) "${args[@]}" "$url" 2>/dev/null) || rc=$?
  http_answer "$rc" "$out"
}

# Qdrant's error text from the last answer ({"status":{"error":"..."}}), else the start of the body.
qdrant_error() {
  local text
  text=$(printf '%s' "$HTTP_BODY" | jq -r '.status.error? // empty' 2>/dev/null) || text=""
  [[ -n $text ]] || text=${HTTP_BODY:0:300}
  printf '%s' "${text:-(empty body)}"
}

# http_problem: one line saying what went wrong in the last request.
http_problem() {
  local hint=""
  [[ $HTTP_STATUS != 401 && $HTTP_STATUS != 403 ]] || hint=" (check QDRANT_API_KEY)"
  if [[ -n $HTTP_ERROR ]]; then
    printf '%s failed: %s' "$HTTP_LAST" "$HTTP_ERROR"
  else
    printf '%s answered HTTP %s: %s%s' "$HTTP_LAST" "$HTTP_STATUS" "$(qdrant_error)" "$hint"
  fi
}

# api_ok HTTP_ARGS...: the script's http with these arguments; exits unless the answer is 2xx.
api_ok() {
  http "$@" || http_failed
  [[ $HTTP_STATUS == 2?? ]] || http_failed
}

# body_jq JQ_ARGS...: jq on the last answer's body; exits if it is not the JSON expected.
body_jq() {
  printf '%s' "$HTTP_BODY" | jq "$@" 2>/dev/null ||
    die "$HTTP_LAST answered HTTP $HTTP_STATUS with an unexpected body: ${HTTP_BODY:0:300}"
}

# collection_path NAME: /collections/<NAME, encoded for a URL path>
collection_path() { printf '/collections/%s' "$(jq -rn --arg c "$1" '$c | @uri')"; }

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
