#!/usr/bin/env bash
# Install jupyterlab_mlops into ./.venv from this checkout: a fresh frontend
# build (npm, through hatch-jupyter-builder) and the Python package with the
# server extension enabled. Usage: scripts/install.sh [extra[,extra]]
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-}
python=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

# Remove earlier build output so pip's build hook always rebuilds the
# frontend from the current sources (it skips the build when output exists).
rm -rf lib tsconfig.tsbuildinfo jupyterlab_mlops/labextension

spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "$spec"

# The build hook ran `npm install` in this folder; the test tools need it too.
test -d node_modules/@jupyterlab/application
.venv/bin/jupyter labextension list 2>&1 | grep -E "jupyterlab-mlops .*enabled.*OK"
.venv/bin/jupyter server extension list 2>&1 | grep -E "jupyterlab_mlops .*enabled"
.venv/bin/jupyter server extension list 2>&1 | grep -E "jupyterlab_mlops [0-9.]+.*OK"
