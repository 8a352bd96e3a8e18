#!/usr/bin/env bash
# Installs the peers the benchmarks compare against, each in its own venv under benchmarks/.peers/
# (they are not dependencies of the workbench). Packages come from PyPI; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
peer() {
  local name="$1"; shift
  if [ ! -x ".peers/$name/bin/python" ]; then
    echo "peers: installing $name ($*)"
    "$PYTHON" -m venv ".peers/$name"
    ".peers/$name/bin/pip" install -q "$@"
  fi
}
peer jupyter-ai jupyter-ai-magics ipython
peer eralchemy2 eralchemy2 psycopg2-binary
peer faker faker pandas sqlalchemy numpy psycopg2-binary
echo "peers: ready in benchmarks/.peers"
