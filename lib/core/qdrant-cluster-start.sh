#!/usr/bin/env bash
# Starts a Qdrant peer in cluster mode (the StatefulSet's command when replicas > 1).
# Pod 0 founds the cluster; pod N joins through pod 0. Each peer announces its own stable DNS name
# (<statefulset>-<ordinal>.<headless service>), so peers keep their identity across restarts.
# Environment: QDRANT_STATEFULSET, QDRANT_HEADLESS_SERVICE, QDRANT_P2P_PORT; HOSTNAME is the pod name.
# Runs in the image's working directory (/qdrant), whose entrypoint.sh starts the qdrant binary.
set -euo pipefail

ordinal="${HOSTNAME##*-}"
case "$ordinal" in
  '' | *[!0-9]*)
    echo "qdrant-cluster-start: cannot read the pod ordinal from HOSTNAME '${HOSTNAME}'" >&2
    exit 1
    ;;
esac

peer_url() {
  printf 'http://%s-%s.%s:%s' "$QDRANT_STATEFULSET" "$1" "$QDRANT_HEADLESS_SERVICE" "$QDRANT_P2P_PORT"
}

if [ "$ordinal" = "0" ]; then
  echo "qdrant-cluster-start: pod 0 starts the cluster as $(peer_url 0)"
  exec ./entrypoint.sh --uri "$(peer_url 0)"
fi
echo "qdrant-cluster-start: pod ${ordinal} joins through $(peer_url 0)"
exec ./entrypoint.sh --bootstrap "$(peer_url 0)" --uri "$(peer_url "$ordinal")"
