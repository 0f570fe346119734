#!/usr/bin/env bash
# Run every test of jupyterlab-mlops from a fresh clone: installs what it
# needs (Debian's Chromium, ./.venv, npm packages), builds once, then lint,
# type check, vitest, pytest and galata. Every phase runs even if an earlier
# one failed; the exit code is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
logs=$root/.test-logs
rm -rf "$logs" && mkdir -p "$logs"
# Every temporary file of the run (servers' roots, seeded stores, pytest's
# tmp_path, the browser's profiles, benchmarks' peers) goes under one folder
# that is removed when the run ends, however it ends: runs used to leave
# gigabytes in /tmp, and a disk filled by them failed a CI run (ENOSPC).
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlops-test-XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR=$run_tmp
export PATH="$root/.venv/bin:$PATH"
export CI=${CI:-true}

declare -a report=()
failed=0

# phase NAME COMMAND...: run, log to .test-logs/NAME.log, time it.
phase() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  local took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    report+=("$(printf '%-10s ok      %4ss' "$name" "$took")")
  else
    report+=("$(printf '%-10s FAILED  %4ss (exit %s, log .test-logs/%s.log)' "$name" "$took" "$rc" "$name")")
    failed=1
  fi
  return "$rc"
}

system_packages() {
  if [ -x /usr/bin/chromium ]; then
    /usr/bin/chromium --version
    return 0
  fi
  local sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  /usr/bin/chromium --version
}

lint() {
  local rc=0
  npm run --silent lint || rc=1
  ruff check . || rc=1
  ruff format --check . || rc=1
  # The bridge's layers (pyproject.toml, [tool.importlinter]).
  lint-imports || rc=1
  return $rc
}

ui_tests() {
  cd "$root/ui-tests" || return 1
  npm ci --no-audit --no-fund || return 1
  npx playwright test
}

# The oldest JupyterLab the extension declares (pyproject.toml and the
# shared ranges of package.json): a venv of its own with that lab and this
# package (already built: the build hook skips), then its galata smoke test
# (ui-tests/tests/compat.spec.ts, which only this phase runs).
OLDEST_JUPYTERLAB=4.4.10
compat() {
  local venv=$root/.venv-oldest
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q \
    "jupyterlab==$OLDEST_JUPYTERLAB" "$root" || return 1
  "$venv/bin/jupyter" lab --version
  "$venv/bin/jupyter" labextension list 2>&1 | grep -E "jupyterlab-mlops .*enabled.*OK" || return 1
  cd "$root/ui-tests" || return 1
  PATH="$venv/bin:$PATH" MLOPS_COMPAT=1 MLOPS_GALATA_PORT=8897 npx playwright test
}

# Notebook 7 (its single-document shell): a venv of its own with that
# `notebook` and this package, then ui-tests/tests/notebook7.spec.ts on a
# `jupyter notebook` server (MLOPS_NOTEBOOK=1).
NOTEBOOK_VERSION=7.6.5
notebook7() {
  local venv=$root/.venv-notebook
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q \
    "notebook==$NOTEBOOK_VERSION" "$root" || return 1
  "$venv/bin/jupyter" notebook --version
  "$venv/bin/jupyter" labextension list 2>&1 | grep -E "jupyterlab-mlops .*enabled.*OK" || return 1
  cd "$root/ui-tests" || return 1
  PATH="$venv/bin:$PATH" MLOPS_NOTEBOOK=1 MLOPS_GALATA_PORT=8898 npx playwright test
}

# disk_free: free space of the run's folder and temporary folder, in MiB.
disk_free() {
  df -Pm "$root" "$run_tmp" | awk 'NR > 1 { print $6 ": " $4 " MiB free" }' | sort -u
}
echo "=== disk at the start"
disk_free

phase system system_packages
phase install bash scripts/install.sh test || {
  printf '%s\n' "${report[@]}"
  echo "install failed: nothing else can run"
  exit 1
}
phase lint lint
phase typecheck npm run --silent typecheck
phase vitest npx vitest run --coverage
phase pytest python -m pytest -rfE
phase galata ui_tests
phase compat compat
phase notebook notebook7

echo
echo "=== phases"
printf '%s\n' "${report[@]}"
echo
echo "=== disk at the end"
disk_free
echo "temporary files of the run: $(du -sm "$run_tmp" | cut -f1) MiB (removed on exit)"
echo
python "$root/scripts/summarize_tests.py" --failures "$logs"
echo
echo "=== runners' summary lines"
python "$root/scripts/summarize_tests.py" "$logs"
summary_rc=$?
[ "$summary_rc" -eq 0 ] || failed=1
exit $failed
