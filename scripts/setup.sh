#!/usr/bin/env bash
# Creates .venv, installs the workbench with its extras, and what it needs at run time: Graphviz `dot` and
# the official AsyncAPI JSON Schemas (--runtime does only that; --browser adds what the tests need).
# Installs system packages with apt-get when running as root; otherwise prints the exact command.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

as_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  # apt-get install, refreshing the package lists once if a package is not found
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
  }
}

need_dot() {
  command -v dot >/dev/null 2>&1 && return 0
  if as_root && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Graphviz (apt-get install graphviz)…"
    apt_install graphviz
    command -v dot >/dev/null 2>&1 && return 0
  fi
  echo "setup: Graphviz 'dot' is missing. Install it with:" >&2
  echo "    sudo apt-get install -y graphviz" >&2
  exit 1
}

need_chromium() {
  # the browser tests drive Debian's Chromium (never a browser downloaded at run time)
  [ -x /usr/bin/chromium ] && return 0
  if as_root && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Chromium for the browser tests (apt-get install chromium)…"
    apt_install chromium || true
    [ -x /usr/bin/chromium ] && return 0
  fi
  echo "setup: Chromium is missing, so the browser tests will be skipped (they must run in CI). Install it with:" >&2
  echo "    sudo apt-get install -y chromium" >&2
}

need_pg_extensions() {
  # the corpus tests load real dumps that use PostGIS, pg_partman and hypopg; install them for the
  # PostgreSQL the machine runs (Debian packages; nothing downloaded at run time)
  command -v pg_config >/dev/null 2>&1 || [ -d /etc/postgresql ] || return 0
  local ver
  ver="$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n1)"
  [ -n "$ver" ] || return 0
  local missing=()
  for pkg in "postgresql-$ver-postgis-3" "postgresql-$ver-partman" "postgresql-$ver-hypopg"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if as_root && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing PostgreSQL extensions for the corpus tests (${missing[*]})…"
    apt_install "${missing[@]}" || echo "setup: could not install ${missing[*]}; dumps that need them load without them" >&2
  else
    echo "setup: the corpus tests want: sudo apt-get install -y ${missing[*]}" >&2
  fi
}

MERMAID_VERSION=11.17.2
need_mermaid() {
  # the Mermaid the browser tests render exports with: from the npm registry at set-up, into .cache (never at run time)
  [ -f .cache/mermaid/node_modules/mermaid/dist/mermaid.min.js ] && return 0
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing mermaid@$MERMAID_VERSION for the browser tests (npm, into .cache/mermaid)…"
    npm install --prefix .cache/mermaid --no-audit --no-fund --silent "mermaid@$MERMAID_VERSION" >/dev/null 2>&1 \
      || echo "setup: npm could not install mermaid; the Mermaid rendering test will say so" >&2
  else
    if as_root && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing npm (apt-get install npm) for the Mermaid rendering test…"
      apt_install npm || true
      command -v npm >/dev/null 2>&1 && { need_mermaid; return 0; }
    fi
    echo "setup: npm is missing; install it (sudo apt-get install -y npm) for the Mermaid rendering test" >&2
  fi
}

ASYNCAPI_SPECS_VERSION=6.11.1
ASYNCAPI_SPECS=.cache/asyncapi/node_modules/@asyncapi/specs/schemas/3.0.0.json
need_asyncapi_specs() {
  # the official AsyncAPI JSON Schemas that define_api checks AsyncAPI contracts against (npm, into .cache);
  # a run-time need, so the main set-up installs them (and `make demo`'s check, and --browser); idempotent
  [ -f "$ASYNCAPI_SPECS" ] && return 0
  if ! command -v npm >/dev/null 2>&1 && as_root && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing npm (apt-get install npm) for the AsyncAPI schemas…"
    apt_install npm || true
  fi
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing @asyncapi/specs@$ASYNCAPI_SPECS_VERSION (npm, into .cache/asyncapi)…"
    npm install --prefix .cache/asyncapi --no-audit --no-fund --silent "@asyncapi/specs@$ASYNCAPI_SPECS_VERSION" \
      >/dev/null 2>&1 || true
  fi
  [ -f "$ASYNCAPI_SPECS" ] && return 0
  echo "setup: the AsyncAPI schemas are missing, so AsyncAPI contracts will be refused. Install them with:" >&2
  command -v npm >/dev/null 2>&1 || echo "    sudo apt-get install -y npm" >&2
  echo "    npm install --prefix $PWD/.cache/asyncapi @asyncapi/specs@$ASYNCAPI_SPECS_VERSION" >&2
}

need_runtime() {
  # what the workbench itself needs at run time, beyond the Python packages
  need_dot
  need_asyncapi_specs
}

CLAUDE_CODE_VERSION=2.1.197
need_claude_code() {
  # Claude Code's CLI, for the test that runs an exported agent in it against the fake (npm, into .cache)
  [ -x .cache/claude-code/node_modules/.bin/claude ] && return 0
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION for the Claude Code test (npm, into .cache)…"
    npm install --prefix .cache/claude-code --no-audit --no-fund --silent \
      "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >/dev/null 2>&1 \
      || echo "setup: npm could not install Claude Code; its test will say so" >&2
  fi
}

if [ "${1:-}" = "--runtime" ] || [ "${1:-}" = "--check-dot" ]; then  # (--check-dot: its old name)
  need_runtime
  exit 0
fi

if [ "${1:-}" = "--browser" ]; then  # what the tests need beyond the package: a browser, PostgreSQL extensions, Mermaid
  need_chromium
  need_pg_extensions
  need_mermaid
  need_asyncapi_specs
  need_claude_code
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found; install Python 3.10 or newer (sudo apt-get install -y python3 python3-venv)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "setup: $("$PYTHON" -V) is too old; the workbench needs Python 3.10+. Run: make PYTHON=python3.11 …" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" -V)…"
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    if as_root && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing python${pyver}-venv (apt-get)…"
      apt_install "python${pyver}-venv" || apt_install python3-venv
      "$PYTHON" -m venv .venv
    else
      echo "setup: Python's venv module is missing. Install it with:" >&2
      echo "    sudo apt-get install -y python${pyver}-venv" >&2
      exit 1
    fi
  fi
fi

echo "setup: installing the workbench into .venv (pip install -e '.[dev,postgres,mysql]')…"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev,postgres,mysql]'
need_runtime
touch .venv/.installed
echo "setup: done."
