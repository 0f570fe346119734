#!/usr/bin/env bash
# Install jupyterlab-mlops into ./.venv and start JupyterLab on the embedded
# defaults (store in .mlops/), with the demo notebook open.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh examples

args=(
  "--ServerApp.root_dir=$PWD"
  "--LabApp.default_url=/lab/tree/examples/wine_classifier.ipynb"
)
# jupyter_server refuses root unless asked; containers often run as root.
[ "$(id -u)" = "0" ] && args+=(--allow-root)
exec .venv/bin/jupyter lab "${args[@]}" "$@"
