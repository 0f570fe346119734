#!/usr/bin/env bash
# The peers the benchmarks compare against, in their own venv (not needed by
# the tests): DVC and MLflow from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .bench-venv/bin/python ] || python3 -m venv .bench-venv
.bench-venv/bin/python -m pip install --disable-pip-version-check -q "dvc>=3.50" "mlflow>=3.0" "papermill>=2.6"
.bench-venv/bin/dvc --version
.bench-venv/bin/python -c "import mlflow; print('mlflow', mlflow.__version__)"
.bench-venv/bin/papermill --version
