#!/usr/bin/env bash
# collection-init.sh: makes Qdrant's collections and payload indexes match a declared list. Safe to re-run.
#
# Run by the collection-init Job (mounted from a ConfigMap). Needs bash >= 5.1 (see qdrant-api.sh), curl and jq only;
# writes no files. Sources log.sh and qdrant-api.sh (the HTTP helpers), which must sit in the same directory.
#
# Environment:
#   QDRANT_URL             required, e.g. http://acme-corp-qdrant.qdrant.svc.cluster.local:6333
#   QDRANT_API_KEY         optional; sent as the `api-key` header (through curl's --config on a pipe, so it never
#                          appears in a process's arguments) and never printed
#   COLLECTIONS_FILE       required; a JSON array of
#                          {"name": "...", "config": <body of PUT /collections/{name}>,
#                           "payload_indexes": [{"field_name": "...", "field_schema": "keyword" | {...}}]}
#   EXPECTED_PEERS         default 1; when > 1, wait until GET /cluster lists that many peers
#   WAIT_TIMEOUT_SECONDS   default 300; limit for each wait (readiness, then peers)
#   WAIT_INTERVAL_SECONDS  default 2; pause between polls (fractions allowed)
#   HTTP_TIMEOUT_SECONDS   default 120; limit for one request
#
# What it does: waits for GET /readyz (and the peers), then reads every collection (GET only) and plans:
#   - absent: create it (PUT /collections/{c} with `config`); a 409 means a concurrent creator won, so the
#     collection is treated as present and checked like any other;
#   - present: compare only the keys `config` sets. Settings Qdrant cannot change in place (vector size,
#     distance, datatype, multivector config, shard_number, sharding_method, wal_config) are reported for every
#     collection, and then the script exits non-zero WITHOUT writing anything. Mutable settings that differ
#     (hnsw_config, optimizers_config, quantization_config, strict_mode_config, on_disk_payload,
#     replication_factor, write_consistency_factor, read_fan_out_factor, per-vector on_disk, hnsw_config and
#     quantization_config) are sent in one PATCH /collections/{c} holding only the differing keys (a body
#     valid for Qdrant 1.13 and 1.19: collection-level params go under `params`, the unnamed vector under "");
#   - payload indexes missing from `payload_schema`, or present with another type, are (re)created with
#     PUT /collections/{c}/index?wait=true; indexes not in the list are left alone.
# (A collection another client creates during the run, seen as a 409, is checked when it is met, so its
# unfixable drift is reported after the other collections were written.)
# It never deletes or recreates a collection. With nothing to change it only reads (no PUT, PATCH or POST).
# After a PATCH it reads the collection again and warns if Qdrant still reports other values.
# Note: changing replication_factor only changes the setting; Qdrant does not add or drop replicas by itself. After
# a PATCH the log says so, and says when the PATCH makes Qdrant rebuild segments (HNSW, quantization, on-disk).
#
# Output: one line per action on stdout ("created", "updated <keys>", "index ... added", "unchanged"), errors
# on stderr. Exit status: 0 done; 1 a request failed, a wait timed out, or drift cannot be fixed in place;
# 2 bad inputs (every problem is listed).
set -euo pipefail

# shellcheck disable=SC2034 # read by log.sh
PROG="collection-init"
here=${BASH_SOURCE[0]%/*}
[[ ${BASH_SOURCE[0]} == */* ]] || here=.
# shellcheck source=/dev/null # the libraries are linted on their own
for lib in log.sh qdrant-api.sh; do . "$here/$lib"; done

# ---------------------------------------------------------------------------------------------- inputs

# init_read_inputs: reads the environment into globals; exits 2 listing every problem.
init_read_inputs() {
  QDRANT_URL="${QDRANT_URL:-}"
  QDRANT_API_KEY="${QDRANT_API_KEY:-}"
  COLLECTIONS_FILE="${COLLECTIONS_FILE:-}"
  EXPECTED_PEERS="${EXPECTED_PEERS:-1}"
  WAIT_TIMEOUT_SECONDS="${WAIT_TIMEOUT_SECONDS:-300}"
  WAIT_INTERVAL_SECONDS="${WAIT_INTERVAL_SECONDS:-2}"
  HTTP_TIMEOUT_SECONDS="${HTTP_TIMEOUT_SECONDS:-120}"

  problems=()
  [[ -n $QDRANT_URL ]] || problems+=("QDRANT_URL is required (e.g. http://qdrant.qdrant.svc.cluster.local:6333)")
  [[ $QDRANT_URL =~ ^https?://[^[:space:]]+$ || -z $QDRANT_URL ]] || problems+=("QDRANT_URL must be an http:// or https:// URL, got \"$QDRANT_URL\"")
  [[ $QDRANT_API_KEY != *$'\n'* ]] || problems+=("QDRANT_API_KEY must not contain a line break")
  [[ $EXPECTED_PEERS =~ ^[1-9][0-9]*$ ]] || problems+=("EXPECTED_PEERS must be a whole number >= 1, got \"$EXPECTED_PEERS\"")
  [[ $WAIT_TIMEOUT_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ ]] || problems+=("WAIT_TIMEOUT_SECONDS must be a number of seconds, got \"$WAIT_TIMEOUT_SECONDS\"")
  [[ $WAIT_INTERVAL_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ ]] || problems+=("WAIT_INTERVAL_SECONDS must be a number of seconds, got \"$WAIT_INTERVAL_SECONDS\"")
  [[ $HTTP_TIMEOUT_SECONDS =~ ^[1-9][0-9]*$ ]] || problems+=("HTTP_TIMEOUT_SECONDS must be a whole number >= 1, got \"$HTTP_TIMEOUT_SECONDS\"")
  if [[ -z $COLLECTIONS_FILE ]]; then
    problems+=("COLLECTIONS_FILE is required (a JSON array of collections)")
  elif [[ ! -r $COLLECTIONS_FILE ]]; then
    problems+=("COLLECTIONS_FILE \"$COLLECTIONS_FILE\" is not a readable file")
  else
    file_problems=$(jq -r '
      def where: "entry \(.key)" + (if (.value | type) == "object" and (.value.name | type) == "string" then " (\(.value.name | tojson))" else "" end);
      if type != "array" then "must be a JSON array, got \(type)"
      else
        (to_entries[] | where as $w | .value |
          if type != "object" then "\($w): must be an object"
          else
            (if (.name | type) != "string" or .name == "" or (.name | test("[[:cntrl:]/]"))
             then "\($w): name must be a non-empty string without control characters or /" else empty end),
            (if (.config | type) != "object" then "\($w): config must be an object (the body of PUT /collections/{name})" else empty end),
            (if has("payload_indexes") and (.payload_indexes | type) != "array" then "\($w): payload_indexes must be an array"
             else (.payload_indexes // [])[] |
               if (type != "object") or ((.field_name | type) != "string") or (.field_name | test("[[:cntrl:]]"))
                 or ((.field_schema | type) as $t | $t != "string" and $t != "object")
               then "\($w): each payload index needs field_name (string) and field_schema (string or object), got \(tojson)"
               else empty end
             end)
          end),
        ([.[] | objects | .name | strings] | group_by(.)[] | select(length > 1) | "collection \"\(.[0])\" is declared \(length) times")
      end' "$COLLECTIONS_FILE" 2>&1) || file_problems="is not valid JSON: $file_problems"
    while IFS= read -r line; do
      [[ -z $line ]] || problems+=("COLLECTIONS_FILE $line")
    done < <(printf '%s\n' "$file_problems")
  fi
  exit_on_problems
  QDRANT_URL="${QDRANT_URL%/}"
}

# ---------------------------------------------------------------------------------------------- HTTP

# http METHOD PATH [JSON_BODY]: http_request to QDRANT_URL, named "METHOD PATH" in messages.
http() { http_request "$1 $2" "$QDRANT_URL$2" "$1" "${3-}"; }

http_failed() { # exits with what went wrong in the last request
  [[ -z $HTTP_ERROR ]] || die "$HTTP_LAST failed: $HTTP_ERROR ($QDRANT_URL)"
  die "$(http_problem)"
}

# api METHOD PATH [BODY]: like http, but exits on a transport error; the caller checks HTTP_STATUS.
api() {
  http "$@" || http_failed
}

# ---------------------------------------------------------------------------------------------- waiting

# Milliseconds since some fixed point (bash >= 5 has EPOCHREALTIME; older bash falls back to whole seconds).
now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((10#$t / 1000))
  else
    echo $((SECONDS * 1000))
  fi
}

# seconds_to_ms SECONDS: "2" -> 2000, "0.25" -> 250
seconds_to_ms() {
  local whole=${1%%.*} frac=000
  [[ $1 != *.* ]] || frac="${1#*.}000"
  echo $((10#$whole * 1000 + 10#${frac:0:3}))
}

# wait_until DESCRIPTION CHECK_FUNCTION: polls until CHECK_FUNCTION succeeds; it sets LAST_SEEN for the timeout message.
LAST_SEEN=""
wait_until() {
  local what=$1 check=$2 start now limit
  start=$(now_ms)
  limit=$(seconds_to_ms "$WAIT_TIMEOUT_SECONDS")
  LAST_SEEN=""
  until "$check"; do
    now=$(now_ms)
    if ((now - start >= limit)); then
      die "timed out after ${WAIT_TIMEOUT_SECONDS}s waiting for $what (last seen: ${LAST_SEEN:-nothing})"
    fi
    sleep "$WAIT_INTERVAL_SECONDS"
  done
}

qdrant_ready() {
  if ! http GET /readyz; then
    LAST_SEEN=$HTTP_ERROR
    return 1
  fi
  LAST_SEEN="HTTP $HTTP_STATUS"
  [[ $HTTP_STATUS == 2?? ]]
}

PEERS_SEEN=0
peers_joined() {
  if ! http GET /cluster; then
    LAST_SEEN=$HTTP_ERROR
    return 1
  fi
  [[ $HTTP_STATUS == 2?? ]] || http_failed
  local seen cluster_status
  seen=$(body_jq -r '"\(.result.peers // {} | length) \(.result.status // "")"') || exit 1
  read -r PEERS_SEEN cluster_status <<<"$seen"
  if [[ $cluster_status == disabled ]]; then
    die "EXPECTED_PEERS is $EXPECTED_PEERS but Qdrant at $QDRANT_URL runs with cluster mode disabled"
  fi
  LAST_SEEN="$PEERS_SEEN of $EXPECTED_PEERS peers"
  ((PEERS_SEEN >= EXPECTED_PEERS))
}

# init_wait: waits for Qdrant to be ready and, in cluster mode, for every peer.
init_wait() {
  # Polls get a short limit per request, so one hung request cannot outlast WAIT_TIMEOUT_SECONDS by much.
  HTTP_MAX_TIME=10
  log "waiting for Qdrant at $QDRANT_URL to be ready (GET /readyz)"
  wait_until "GET /readyz to answer 2xx" qdrant_ready
  if ((EXPECTED_PEERS > 1)); then
    log "waiting for $EXPECTED_PEERS peers (GET /cluster)"
    wait_until "GET /cluster to list $EXPECTED_PEERS peers" peers_joined
    log "cluster has $PEERS_SEEN peers"
  fi
  # shellcheck disable=SC2034 # read by http_request (qdrant-api.sh)
  HTTP_MAX_TIME=""
}

# ---------------------------------------------------------------------------------------------- planning

# Input: the answer of GET /collections/{c}; $want: one COLLECTIONS_FILE entry.
# Output: {problems: [text], patch: {PATCH body}, changed: [key], notes: [key], indexes: [{field_name, field_schema, from}]}
# shellcheck disable=SC2016 # $names below are jq variables
readonly PLAN_JQ='
def show: if . == null then "not set" else tojson end;
def obj: if type == "object" then . else {} end;
# does the wanted value differ from the actual one? objects compare only the keys the wanted one sets
def differs($w; $a):
  if ($w | type) == "object" then ($a | type) != "object" or ([$w | keys_unsorted[] as $k | differs($w[$k]; $a[$k])] | any)
  else $w != $a end;
def diffobj($w; $a): reduce ($w | obj | keys_unsorted[]) as $k ({}; if differs($w[$k]; ($a | obj)[$k]) then . + {($k): $w[$k]} else . end);
def fixed($what; $w; $a): if differs($w; $a) then ["\($what) is \($a | show) in Qdrant but \($w | show) in the config"] else [] end;
# quantization: null wanted and set in Qdrant means "Disabled"; otherwise the whole wanted value replaces
def quant($w; $a): if $w == null then (if $a == null then null else "Disabled" end) elif differs($w; $a) then $w else null end;
def norm_optimizers: if .max_optimization_threads == "auto" then .max_optimization_threads = null else . end;

def plan_vector($what; $w; $a):
  reduce ($w | to_entries[]) as $kv ({problems: [], patch: {}, changed: []};
    $kv.key as $k | $kv.value as $v | ($a | obj)[$k] as $cur
    | if $k == "on_disk" or $k == "memory" then
        (if differs($v; $cur) then .patch[$k] = $v | .changed += ["\($what).\($k)"] else . end)
      elif $k == "hnsw_config" then
        diffobj($v; $cur) as $d
        | (if ($d | length) > 0 then .patch.hnsw_config = $d | .changed += [$d | keys_unsorted[] | "\($what).hnsw_config.\(.)"] else . end)
      elif $k == "quantization_config" then
        quant($v; $cur) as $q | (if $q != null then .patch.quantization_config = $q | .changed += ["\($what).quantization_config"] else . end)
      else .problems += fixed("\($what).\($k)"; $v; $cur)
      end);

def plan_vectors($w; $a):
  def single: type == "object" and has("size");
  if ($w | single) and ($a | single) then
    plan_vector("vectors"; $w; $a) | .patch = (if .patch == {} then {} else {"": .patch} end)
  elif ($w | single) or ($a | single) then
    {problems: ["vectors is \($a | show) in Qdrant but \($w | show) in the config (named and unnamed vectors differ)"], patch: {}, changed: []}
  else
    reduce ($w | obj | to_entries[]) as $kv ({problems: [], patch: {}, changed: []};
      if ($a | obj | has($kv.key)) | not then .problems += ["vectors.\($kv.key) is not set in Qdrant but \($kv.value | show) in the config"]
      else plan_vector("vectors.\($kv.key)"; $kv.value; $a[$kv.key]) as $p
        | .problems += $p.problems | .changed += $p.changed
        | (if $p.patch == {} then . else .patch[$kv.key] = $p.patch end)
      end)
  end;

.result as $info | $info.config as $c | $want.config as $w
| reduce ($w | to_entries[]) as $kv ({problems: [], patch: {}, changed: [], notes: []};
    $kv.key as $k | $kv.value as $v
    | if $k == "vectors" then
        plan_vectors($v; $c.params.vectors) as $p
        | .problems += $p.problems | .changed += $p.changed | (if $p.patch == {} then . else .patch.vectors = $p.patch end)
      elif $k == "shard_number" or $k == "sharding_method" then .problems += fixed($k; $v; $c.params[$k])
      elif $k == "wal_config" then
        reduce ($v | obj | keys_unsorted[]) as $wk (.; .problems += fixed("wal_config.\($wk)"; $v[$wk]; ($c.wal_config | obj)[$wk]))
      elif ["replication_factor", "write_consistency_factor", "on_disk_payload", "read_fan_out_factor"] | index([$k]) then
        (if differs($v; $c.params[$k]) then .patch.params[$k] = $v | .changed += [$k] else . end)
      elif $k == "hnsw_config" or $k == "optimizers_config" or $k == "strict_mode_config" then
        (if $k == "optimizers_config" then ($c.optimizer_config | obj | norm_optimizers) else $c[$k] end) as $cur
        | diffobj(if $k == "optimizers_config" then ($v | obj | norm_optimizers) else $v end; $cur) as $d
        | (if ($d | length) > 0 then .patch[$k] = ($d | with_entries(.value = $v[.key])) | .changed += [$d | keys_unsorted[] | "\($k).\(.)"] else . end)
      elif $k == "quantization_config" then
        quant($v; $c.quantization_config) as $q | (if $q != null then .patch.quantization_config = $q | .changed += [$k] else . end)
      else .notes += [$k]
      end)
| .indexes = [($want.payload_indexes // [])[]
    | (if (.field_schema | type) == "string" then .field_schema else .field_schema.type end) as $type
    | ($info.payload_schema // {})[.field_name] as $cur
    | if $cur == null then . + {from: null}
      elif $cur.data_type != $type then . + {from: $cur.data_type}
      elif (.field_schema | type) == "object" and differs(.field_schema; ($cur.params // {type: $cur.data_type})) then . + {from: $cur.data_type}
      else empty end]
'

readonly FIXED_SUFFIX="this cannot change in place (create a new collection with the new setting and re-upload or re-embed its points; a snapshot restore brings the old setting back)"

# plan_for BODY ENTRY: plans from a GET /collections/{c} answer and a COLLECTIONS_FILE entry; prints lines for read_plan.
plan_for() {
  printf '%s' "$1" | jq -r --argjson want "$2" "$PLAN_JQ"' | (.problems | length), .problems[], (.patch | tojson),
    (.changed | join(", ")), (.notes | join(", ")), (.indexes | length),
    (.indexes[] | .field_name, (.field_schema | if type == "string" then . else .type end), (.from // ""),
      ({field_name, field_schema} | tojson))'
}

# read_plan < plan_for's lines: sets PLAN_PROBLEMS (array), PLAN_PATCH (JSON), PLAN_CHANGED, PLAN_NOTES and
# PLAN_INDEXES (array, 4 items per index: field name, type, previous type or "", PUT body).
read_plan() {
  local n i line
  PLAN_PROBLEMS=() PLAN_INDEXES=()
  IFS= read -r n || return 1
  for ((i = 0; i < n; i++)); do
    IFS= read -r line
    PLAN_PROBLEMS+=("$line")
  done
  IFS= read -r PLAN_PATCH
  IFS= read -r PLAN_CHANGED
  IFS= read -r PLAN_NOTES
  IFS= read -r n
  for ((i = 0; i < n * 4; i++)); do
    IFS= read -r line
    PLAN_INDEXES+=("$line")
  done
}

# init_plan: reads every collection (GET only) and plans; exits naming every setting that cannot change in place.
init_plan() {
  local i name path exists plan problem
  # One line each, per collection: name, name encoded for a URL path, the entry, its config.
  mapfile -t lines < <(jq -r '.[] | .name, (.name | @uri), tojson, (.config | tojson)' "$COLLECTIONS_FILE")
  count=$((${#lines[@]} / 4))
  names=() paths=() entries=() configs=() plans=() # plans: "create", or plan_for's lines
  fixed_problems=()
  for ((i = 0; i < count; i++)); do
    name=${lines[i * 4]}
    path="/collections/${lines[i * 4 + 1]}"
    names+=("$name") paths+=("$path") entries+=("${lines[i * 4 + 2]}") configs+=("${lines[i * 4 + 3]}")
    api_ok GET "$path/exists"
    exists=$(body_jq -r '.result.exists')
    if [[ $exists != true ]]; then
      plans+=(create)
      continue
    fi
    api_ok GET "$path"
    plan=$(plan_for "$HTTP_BODY" "${entries[i]}") || die "GET $path answered HTTP $HTTP_STATUS with an unexpected body: ${HTTP_BODY:0:300}"
    plans+=("$plan")
    read_plan <<<"$plan"
    for problem in "${PLAN_PROBLEMS[@]}"; do fixed_problems+=("collection \"$name\": $problem; $FIXED_SUFFIX"); done
  done

  ((${#fixed_problems[@]} == 0)) ||
    die_listing "${#fixed_problems[@]} setting(s) differ in ways Qdrant cannot change in place; nothing was changed" "${fixed_problems[@]}"
}

# ---------------------------------------------------------------------------------------------- applying

created=0 updated=0 unchanged=0 indexes_added=0

# apply_plan NAME PATH ENTRY: PATCHes what read_plan found different, then (re)creates payload indexes.
# Sets CHANGED=1 if it wrote anything.
apply_plan() {
  local name=$1 path=$2 entry=$3 i plan
  local -a indexes=("${PLAN_INDEXES[@]}")
  CHANGED=0
  [[ -z $PLAN_NOTES ]] || log "collection \"$name\": note: $PLAN_NOTES applied only when the collection is created; not compared"
  if [[ $PLAN_PATCH != "{}" ]]; then
    api_ok PATCH "$path" "$PLAN_PATCH"
    log "collection \"$name\": updated $PLAN_CHANGED"
    # What a PATCH starts or leaves undone in Qdrant (v1.19: collection_meta_ops.rs, config_mismatch_optimizer.rs;
    # HnswConfig::mismatch_requires_rebuild ignores max_indexing_threads).
    [[ ! ", ${PLAN_CHANGED//hnsw_config.max_indexing_threads/}" =~ ,\ (vectors[^,]*\.)?(on_disk|hnsw_config\.|quantization_config)|,\ on_disk_payload ]] ||
      log "collection \"$name\": Qdrant now rebuilds, in the background and on every replica at once, the segments these settings change: CPU, and disk for a copy of each segment it rebuilds; the collection serves meanwhile (status yellow until done)"
    [[ ! ", $PLAN_CHANGED," =~ ,\ replication_factor, ]] ||
      log "collection \"$name\": replication_factor is only the setting: Qdrant adds or drops no replica of the existing shards by itself; replicate each shard to another peer (replicate_shard) or drop the surplus ones (README, \"Scaling and sizing\")"
    CHANGED=1
    updated=$((updated + 1))
    api_ok GET "$path"
    plan=$(plan_for "$HTTP_BODY" "$entry") || die "GET $path answered HTTP $HTTP_STATUS with an unexpected body: ${HTTP_BODY:0:300}"
    read_plan <<<"$plan"
    [[ -z $PLAN_CHANGED ]] || warn "collection \"$name\": Qdrant accepted the PATCH but still reports different values for: $PLAN_CHANGED"
  fi
  for ((i = 0; i < ${#indexes[@]}; i += 4)); do
    api_ok PUT "$path/index?wait=true" "${indexes[i + 3]}"
    if [[ -z ${indexes[i + 2]} ]]; then
      log "collection \"$name\": index \"${indexes[i]}\" (${indexes[i + 1]}) added"
    else
      log "collection \"$name\": index \"${indexes[i]}\" changed from ${indexes[i + 2]} to ${indexes[i + 1]}"
    fi
    CHANGED=1
    indexes_added=$((indexes_added + 1))
  done
}

# init_apply: creates, PATCHes and indexes what init_plan found; exits naming what a concurrent creator set differently.
init_apply() {
  local i name path entry plan problem
  fixed_problems=()
  for ((i = 0; i < count; i++)); do
    name=${names[i]} path=${paths[i]} entry=${entries[i]} plan=${plans[i]}
    if [[ $plan != create ]]; then
      read_plan <<<"$plan"
      apply_plan "$name" "$path" "$entry"
      if ((CHANGED == 0)); then
        log "collection \"$name\": unchanged"
        unchanged=$((unchanged + 1))
      fi
      continue
    fi
    api PUT "$path" "${configs[i]}"
    if [[ $HTTP_STATUS == 2?? ]]; then
      log "collection \"$name\": created"
      created=$((created + 1))
      plan=$(plan_for '{"result": {"config": {}, "payload_schema": {}}}' "$entry")
      read_plan <<<"$plan"
      PLAN_PATCH="{}" PLAN_NOTES="" # a new collection has exactly the config; only its indexes are missing
    elif [[ $HTTP_STATUS == 409 ]]; then
      log "collection \"$name\": created meanwhile by another client (409 Conflict); checking its settings"
      api_ok GET "$path"
      plan=$(plan_for "$HTTP_BODY" "$entry") || die "GET $path answered HTTP $HTTP_STATUS with an unexpected body: ${HTTP_BODY:0:300}"
      read_plan <<<"$plan"
      if ((${#PLAN_PROBLEMS[@]} > 0)); then
        for problem in "${PLAN_PROBLEMS[@]}"; do fixed_problems+=("collection \"$name\": $problem; $FIXED_SUFFIX"); done
        continue
      fi
    else
      http_failed
    fi
    apply_plan "$name" "$path" "$entry"
  done

  ((${#fixed_problems[@]} == 0)) || die_listing "${#fixed_problems[@]} setting(s) differ in ways Qdrant cannot change in place" "${fixed_problems[@]}"
  log "done: $count collection(s): $created created, $updated updated, $unchanged unchanged; $indexes_added payload index(es) added or changed"
}

main() {
  init_read_inputs
  init_wait
  init_plan
  init_apply
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
