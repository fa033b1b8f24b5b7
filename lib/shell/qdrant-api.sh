#!/usr/bin/env bash
# qdrant-api.sh: the HTTP helpers every pod script uses to talk to Qdrant's REST API (collection-init.sh,
# qdrant-backup.sh, qdrant-restore.sh, qdrant-backup-verify.sh). Sourced, never run: it only defines variables and
# functions, and must sit in the same directory as the scripts that source it (mounted from the same ConfigMap),
# with log.sh (die, run_child), sourced first.
#
# bash >= 5.1: the scripts read small values through here-strings (`<<<`), which bash 5.1 and later pass through a
# pipe; older bash writes them to a temporary file, which the pods' read-only root filesystem refuses.
#
# The sourcing script provides:
#   QDRANT_API_KEY        the API key, or empty; sent as the `api-key` header through curl's --config on a pipe (never
#                         in a process's arguments) and never printed
#   HTTP_TIMEOUT_SECONDS  limit for one request made with http_request (HTTP_MAX_TIME overrides it)
#   HTTP_WORK             optional: a writable directory; then curl runs through run_child (a TERM signal stops a long
#                         transfer at once) and its output passes through files there. Unset: no file is written.
# and may redefine http (the script's request function, used by api_ok) and http_failed (exits with what went wrong
# in the last request), and add texts for curl exit codes its transfers can cause to CURL_ERROR_TEXTS (code -> text).

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

# http_request NAME URL METHOD [JSON_BODY [CURL_ARGS...]]: one request; NAME is how messages call it (HTTP_LAST).
# CURL_ARGS add to curl's (e.g. -o FILE to keep the body in a file, -F to upload one). Sets what http_answer sets.
# HTTP_MAX_TIME overrides HTTP_TIMEOUT_SECONDS.
http_request() {
  local name=$1 url=$2 method=$3 body=${4-} out rc=0
  local -a args=(--silent --show-error --connect-timeout 10 --max-time "${HTTP_MAX_TIME:-$HTTP_TIMEOUT_SECONDS}" -X "$method" -w '\n%{http_code}' "${@:5}")
  HTTP_STATUS="" HTTP_BODY="" HTTP_ERROR="" HTTP_LAST=$name
  if [[ -n ${HTTP_WORK:-} ]]; then
    if [[ -n $body ]]; then
      printf '%s' "$body" >"$HTTP_WORK/http.request"
      args+=(-H 'Content-Type: application/json' --data-binary "@$HTTP_WORK/http.request")
    fi
    if [[ -n $QDRANT_API_KEY ]]; then
      run_child "$HTTP_WORK/http.out" /dev/null curl --config <(curl_secret_config) "${args[@]}" "$url" || rc=$?
    else
      run_child "$HTTP_WORK/http.out" /dev/null curl "${args[@]}" "$url" || rc=$?
    fi
    out=""
    IFS= read -r -d '' out <"$HTTP_WORK/http.out" || true # the whole file, without a subshell
  else
    # Each `<(...)` and pipe costs a process: only what the request needs (a body, a key).
    [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary @-)
    case ${body:+body},${QDRANT_API_KEY:+key} in
    body,key) out=$(printf '%s' "$body" | curl --config <(curl_secret_config) "${args[@]}" "$url" 2>/dev/null) || rc=$? ;;
    body,) out=$(printf '%s' "$body" | curl "${args[@]}" "$url" 2>/dev/null) || rc=$? ;;
    ,key) out=$(curl --config <(curl_secret_config) "${args[@]}" "$url" 2>/dev/null) || rc=$? ;;
    *) out=$(curl "${args[@]}" "$url" 2>/dev/null) || rc=$? ;;
    esac
  fi
  http_answer "$rc" "$out"
}

# http BASE_URL METHOD PATH [JSON_BODY [CURL_ARGS...]]: http_request to one peer, named "METHOD PATH (BASE_URL)".
http() { http_request "$2 $3 ($1)" "$1$3" "$2" "${4-}" "${@:5}"; }

# http_failed: exits with what went wrong in the last request.
http_failed() { die "$(http_problem)"; }

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
  local status=0
  if [[ -n ${HTTP_WORK:-} ]]; then # from a file: one process fewer than a pipe
    printf '%s' "$HTTP_BODY" >"$HTTP_WORK/http.body"
    jq "$@" "$HTTP_WORK/http.body" 2>/dev/null || status=$?
  else
    printf '%s' "$HTTP_BODY" | jq "$@" 2>/dev/null || status=$?
  fi
  ((status == 0)) || die "$HTTP_LAST answered HTTP $HTTP_STATUS with an unexpected body: ${HTTP_BODY:0:300}"
}

# uri_encode TEXT: TEXT with every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, as jq >= 1.7's
# @uri does; in bash, since a jq process per name costs more than the request it names.
uri_encode() {
  local LC_ALL=C
  local text=$1 out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
    [A-Za-z0-9._~-]) out+=$char ;;
    *) printf -v char '%%%02X' "'$char" && out+=$char ;;
    esac
  done
  printf '%s' "$out"
}

# collection_path NAME: /collections/<NAME, encoded for a URL path>
collection_path() {
  printf '/collections/'
  uri_encode "$1"
}

# check_timeout_inputs: adds what is wrong with SNAPSHOT_TIMEOUT_SECONDS and TRANSFER_MIN_MIB_PER_SECOND to the caller's
# array `problems`.
check_timeout_inputs() {
  [[ $SNAPSHOT_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("SNAPSHOT_TIMEOUT_SECONDS must be a whole number >= 1, got \"$SNAPSHOT_TIMEOUT_SECONDS\"")
  [[ $TRANSFER_MIN_MIB_PER_SECOND =~ ^[1-9][0-9]*$ ]] || problems+=("TRANSFER_MIN_MIB_PER_SECOND must be a whole number >= 1, got \"$TRANSFER_MIN_MIB_PER_SECOND\"")
}

# transfer_seconds BYTES: the time limit of a snapshot step that moves BYTES: SNAPSHOT_TIMEOUT_SECONDS plus the time
# BYTES take at TRANSFER_MIN_MIB_PER_SECOND, the slowest rate still taken as progress.
transfer_seconds() {
  echo $((SNAPSHOT_TIMEOUT_SECONDS + ${1:-0} / (TRANSFER_MIN_MIB_PER_SECOND * 1048576)))
}
