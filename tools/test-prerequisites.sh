#!/usr/bin/env bash
# What `npm test` needs beyond npm, checked once before the tests start (npm test and .ci/run both come here).
#
# Missing Debian packages are installed when this runs as root on Debian (as CI does); anywhere else the run
# stops with one message naming every missing tool and how to get it. Terraform is no Debian package: when it
# is missing, say so and stop (the tests that run it are never skipped).
set -euo pipefail

# tool | Debian package | how to check it | what the tests do with it
TOOLS=(
  "curl|curl|command -v curl|the backup, restore and collection scripts call Qdrant with it"
  "jq|jq|command -v jq|the scripts read Qdrant's JSON with it"
  "shellcheck|shellcheck|command -v shellcheck|lints every shell script"
  "busybox|busybox|busybox --list >/dev/null|runs the backup, restore and verify scripts with BusyBox's tools, as the default job image (Alpine) has them"
  "aws (AWS CLI v2 at /usr/bin/aws)|awscli|/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2\.'|the backup scripts talk to an S3 server with it"
  "promtool|prometheus|command -v promtool|checks and unit-tests the PrometheusRule's alerts"
)

bash_ok() { ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); }

missing_tools() {
  local entry tool package check why
  for entry in "${TOOLS[@]}"; do
    IFS='|' read -r tool package check why <<<"$entry"
    bash -c "$check" >/dev/null 2>&1 || printf '%s|%s|%s\n' "$tool" "$package" "$why"
  done
}

can_install() { [[ $(id -u) -eq 0 && -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1; }

main() {
  local problems=() missing packages=() tool package why
  bash_ok || problems+=("bash >= 4.4 (found ${BASH_VERSION}): the scripts rely on mapfile and empty arrays under set -u; install a newer bash (Debian: apt-get install bash; macOS: brew install bash)")

  missing=$(missing_tools)
  if [[ -n $missing ]] && can_install; then
    while IFS='|' read -r _ package _; do packages+=("$package"); done <<<"$missing"
    echo "test prerequisites: installing ${packages[*]} (apt-get, as root on Debian)" >&2
    local log
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "test prerequisites: apt-get could not install ${packages[*]} (output above)" >&2
    fi
    rm -f "$log"
    missing=$(missing_tools)
  fi
  if [[ -n $missing ]]; then
    packages=()
    while IFS='|' read -r tool package why; do
      problems+=("$tool (Debian package $package): $why")
      packages+=("$package")
    done <<<"$missing"
  fi

  if ! command -v terraform >/dev/null 2>&1; then
    problems+=("terraform >= 1.10 (not a Debian package): the module, consumer and AWS validation tests run it (the EKS stacks' ephemeral token needs 1.10); install it from https://developer.hashicorp.com/terraform/install (a single binary on PATH)")
  fi

  if ((${#problems[@]} > 0)); then
    {
      echo "npm test cannot start: missing tools (${#problems[@]}):"
      printf '  - %s\n' "${problems[@]}"
      if ((${#packages[@]} > 0)); then
        echo "On Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y ${packages[*]}"
        echo "(run npm test as root on Debian and it installs them itself)"
      fi
    } >&2
    exit 1
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
