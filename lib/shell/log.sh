#!/usr/bin/env bash
# log.sh: messages, input problems and child processes for the pods' scripts (collection-init.sh, qdrant-backup.sh,
# qdrant-restore.sh, qdrant-backup-verify.sh). Sourced, never run: it only defines functions, and must sit in the
# same directory as the scripts that source it (mounted from the same ConfigMap).
#
# The sourcing script sets PROG (its name in messages). RUN_LOG, when set, names a file that every message is
# appended to as well (the run's log, which qdrant-backup.sh keeps at the destination).

# log TEXT...: a step, on stdout.
log() {
  printf '%s\n' "$*"
  [[ -z ${RUN_LOG:-} ]] || printf '%s\n' "$*" >>"$RUN_LOG"
}

# say_error KIND TEXT...: "<PROG>: <KIND>: TEXT" on stderr (and in RUN_LOG).
say_error() {
  local kind=$1
  shift
  printf '%s: %s: %s\n' "$PROG" "$kind" "$*" >&2
  [[ -z ${RUN_LOG:-} ]] || printf '%s: %s: %s\n' "$PROG" "$kind" "$*" >>"$RUN_LOG"
}

warn() { say_error warning "$@"; }
error() { say_error error "$@"; }
die() {
  error "$@"
  exit 1
}

# die_listing SUMMARY ITEM...: every ITEM as an error, then SUMMARY, and exits 1.
die_listing() {
  local item
  for item in "${@:2}"; do error "$item"; done
  die "$1"
}

# exit_on_problems: prints every entry of the caller's array `problems` as an error and exits 2 if there is any.
# shellcheck disable=SC2154 # problems is the caller's array
exit_on_problems() {
  local p
  if ((${#problems[@]} == 0)); then return 0; fi
  for p in "${problems[@]}"; do error "$p"; done
  exit 2
}

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

# stop_child: ends the program run_child is waiting for (from a signal trap).
stop_child() {
  [[ -z $CHILD ]] || kill "$CHILD" 2>/dev/null || true
  CHILD=""
}
