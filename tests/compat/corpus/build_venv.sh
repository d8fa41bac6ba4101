#!/usr/bin/env bash
# Builds the corpus venv: Python 3.12, Ocean (editable) and the published integrations' own
# dependencies (their union, see requirements.py) plus what their unit tests use.
#   usage: build_venv.sh [VENV_DIR]     (default: .venv-corpus beside this repository's .venv)
# Idempotent: a venv built from the same requirements is kept (a stamp file holds their hash).
# Measured on a 2-core machine: ~2.5 min and ~350 MB from an empty pip cache, seconds when current.
set -euo pipefail
cd "$(dirname "$0")/../../.."
VENV="${1:-.venv-corpus}"
CORPUS="${CORPUS:-../shared/realworld/port-ocean-integrations}"
find_py() {
  [ -n "${PY312:-}" ] && { echo "$PY312"; return; }
  if python3.12 --version >/dev/null 2>&1; then command -v python3.12; return; fi
  local root; root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for p in "$root"/versions/3.12*/bin/python3.12; do [ -x "$p" ] && { echo "$p"; return; }; done
}
[ -d "$CORPUS" ] || { echo "build_venv.sh: no corpus at $CORPUS" >&2; exit 2; }
PY=$(find_py)
[ -n "$PY" ] || { echo "build_venv.sh: no Python 3.12 found (set PY312)" >&2; exit 2; }
REQS=$(mktemp)
python3 tests/compat/corpus/requirements.py "$CORPUS" > "$REQS"
echo "pytest>=8" "pytest-asyncio>=0.24" "pytest-httpx>=0.30" "pytest-timeout>=2.3" "freezegun>=1.5" "trustme>=1.1" | tr ' ' '\n' >> "$REQS"
STAMP=$( (cat "$REQS"; cat pyproject.toml) | sha256sum | cut -c1-16)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.corpus-stamp" 2>/dev/null)" = "$STAMP" ]; then
  echo "$VENV is current"; rm -f "$REQS"; exit 0
fi
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q -e . -r "$REQS"
echo "$STAMP" > "$VENV/.corpus-stamp"
rm -f "$REQS"
echo "$VENV built with $("$VENV/bin/python" --version)"
