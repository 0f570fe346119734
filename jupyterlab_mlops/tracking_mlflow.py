"""What a snapshot becomes on MLflow tracking (the outbox's `snapshot` entries).

With the lab's setting `tracking: mlflow`, each snapshot is queued in the
registry's outbox (registry_outbox, key = the experiment's ULID) and the
outbox worker (registry_push) makes of it, on the MLflow server:

1. one run in the experiment `mlflow_experiment`, tagged
   `mlops.idempotency_key=<ULID>`: searched first, created only when none
   has the tag, with the snapshot's time, name and author, and the tags
   `mlops.experiment_ref`, `mlops.notebook_hash`, `mlops.git_commit`;
2. its parameters (those the run lacks) and metrics: the final values at
   step 0, and each step-wise metric's points at their steps; a metric the
   run already has gets only the steps its history lacks, so a retry after
   a lost answer never logs a point twice;
3. the notebook as it was (`notebook.ipynb`), `requirements.txt` and
   `mlops/manifest.json` as artifacts (whole-file PUTs: again is the same);
4. the run marked FINISHED at the snapshot's time.

The files are read from the store's commit the entry names (git on the
server, `store_git`), never from the lab: what lands is what was stored.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

from .errors import MlopsError
from .mlflow_client import Mlflow
from .paths import Store
from .registry_audit import canonical
from .registry_records import read_record
from .registry_seal import seal
from .store_git import EXPERIMENT_REF, open_store_git, read_blobs
from .store_write import write

KEY_TAG = "mlops.idempotency_key"

#: MLflow's limits on one log-batch call (100 params; 1000 items in all).
MAX_PARAMS_PER_BATCH = 100
MAX_ITEMS_PER_BATCH = 1000
MAX_PARAM_VALUE = 6000
MAX_KEY = 250
#: The most of each stored file the mirror reads (the manifest is parsed;
#: the others are sent as they are). Larger files are left out, and said so.
MAX_BYTES = {
    "manifest.json": 8 * 1024 * 1024,
    "notebook.ipynb": 64 * 1024 * 1024,
    "requirements.txt": 1024 * 1024,
}
#: The most metric points one snapshot sends.
MAX_POINTS = 100_000
#: What MLflow accepts in a param or metric name.
_KEY_OK = re.compile(r"[^\w./ :-]")


def _created_ms(manifest: dict[str, Any]) -> int:
    from datetime import datetime

    text = str(manifest.get("createdAt", ""))
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def snapshot_commit(store: Store, ref: str) -> str:
    """The commit an experiment ref points at; `E_BAD_REQUEST` / `E_NOT_FOUND`."""
    if not isinstance(ref, str) or not EXPERIMENT_REF.match(ref):
        raise MlopsError("E_BAD_REQUEST", "ref must be refs/exps/<notebook slug>/<ULID>")
    git = open_store_git(store, 30)
    found = git.run("rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise MlopsError("E_NOT_FOUND", f"no experiment {ref}")
    return found.stdout.strip()


def snapshot_files(store: Store, entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The snapshot's manifest (checked against the entry) and its other stored files
    within their caps (`MAX_BYTES`); a file over its cap is absent."""
    git = open_store_git(store, 120)
    files: dict[str, bytes] = {}
    for name, cap in MAX_BYTES.items():
        files.update(read_blobs(git, entry["commit"], [name], cap))
    try:
        raw = files.pop("manifest.json")
        manifest = json.loads(raw)
    except (KeyError, ValueError):
        raise MlopsError(
            "E_STORE_CORRUPT", "the snapshot has no readable manifest.json (or one over 8 MiB)"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("id") != entry["key"]:
        raise MlopsError("E_STORE_CORRUPT", "the snapshot's manifest is another experiment's")
    # Sent as stored, under mlops/.
    files["mlops/manifest.json"] = raw
    return manifest, files


def mlflow_keys(names: list[str]) -> dict[str, str]:
    """An MLflow-legal, distinct name for each name (letters, digits, `_ . - / : `
    and spaces; at most 250 characters): others become `_`, a clash gets `-2`…"""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        key = _KEY_OK.sub("_", str(name))[:MAX_KEY] or "_"
        base, n = key, 1
        while key in used:
            n += 1
            key = f"{base[: MAX_KEY - len(str(n)) - 1]}-{n}"
        used.add(key)
        out[name] = key
    return out


def _run(client: Mlflow, experiment_id: str, entry: dict, manifest: dict) -> dict[str, Any]:
    query = {
        "experiment_ids": [experiment_id],
        "filter": f"tags.`{KEY_TAG}` = '{entry['key']}'",
        "max_results": 2,
    }
    runs = client.call("POST", "runs/search", query).get("runs") or []
    if runs:
        tags = {t.get("key"): t.get("value") for t in runs[0]["data"].get("tags") or []}
        if (tags.get("mlops.kind"), tags.get("mlops.experiment_ref")) != ("snapshot", entry["ref"]):
            raise MlopsError(
                "E_NAME_COLLISION",
                f"the MLflow run tagged with this snapshot's key ({entry['key']}) is not this"
                " snapshot's mirror: it is left alone",
            )
        return runs[0]
    user = manifest.get("user") or {}
    notebook = manifest.get("notebook") or {}
    code = manifest.get("code") or {}
    author = manifest.get("author") or {}
    tags = {
        KEY_TAG: entry["key"],
        "mlops.kind": "snapshot",
        "mlops.experiment_ref": entry["ref"],
        "mlops.notebook_hash": str(notebook.get("contentHash") or ""),
        "mlops.git_commit": str(code.get("commit") or ""),
        "mlops.git_branch": str(code.get("branch") or ""),
        "mlflow.runName": str(user.get("name") or entry["key"])[:250],
        "mlflow.user": str(author.get("username") or "")[:250],
        "mlflow.source.name": str(notebook.get("path") or "")[:500],
        "mlflow.source.type": "NOTEBOOK",
        "mlflow.note.content": str(user.get("note") or "")[:5000],
    }
    made = client.call(
        "POST",
        "runs/create",
        {
            "experiment_id": experiment_id,
            "start_time": _created_ms(manifest),
            "run_name": tags["mlflow.runName"],
            "tags": [{"key": k, "value": v} for k, v in tags.items() if v],
        },
    )
    return made["run"]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _points(manifest: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """Each metric's points by name: the final value at step 0, a series at its steps."""
    wanted: dict[str, list[tuple[int, float]]] = {}
    metrics = manifest.get("metrics")
    for key, value in sorted(metrics.items() if isinstance(metrics, dict) else []):
        number = _number(value)
        if number is not None:
            wanted[str(key)] = [(0, number)]
    series = manifest.get("metricSeries")
    for key, points in sorted(series.items() if isinstance(series, dict) else []):
        # The series replaces the single final value of the same name.
        wanted[str(key)] = [
            (p[0], n)
            for p in (points if isinstance(points, list) else [])
            if isinstance(p, list)
            and len(p) == 2
            and isinstance(p[0], int)
            and not isinstance(p[0], bool)
            and 0 <= p[0] < 2**63
            and (n := _number(p[1])) is not None
        ]
    total = 0
    for key in list(wanted):
        wanted[key] = wanted[key][: max(0, MAX_POINTS - total)]
        total += len(wanted[key])
    return wanted


def _metrics(client: Mlflow, run: dict, manifest: dict, at: int) -> list[dict[str, Any]]:
    """The metric points the run lacks (its history asked for the names it has)."""
    run_id = run["info"]["run_id"]
    have = {m.get("key") for m in (run.get("data") or {}).get("metrics") or []}
    wanted = _points(manifest)
    keys = mlflow_keys(list(wanted))
    out = []
    for name, points in wanted.items():
        key = keys[name]
        logged: set[tuple[int, float]] = set()
        if key in have:
            history = (
                client.call(
                    "GET", "metrics/get-history", query={"run_id": run_id, "metric_key": key}
                ).get("metrics")
                or []
            )
            logged = {(int(m.get("step", 0)), float(m.get("value"))) for m in history}
        out += [
            {"key": key, "value": value, "timestamp": at, "step": step}
            for step, value in points
            if (step, value) not in logged
        ]
    return out


def push_snapshot(
    client: Mlflow, experiment_id: str, store: Store, entry: dict[str, Any]
) -> dict[str, Any]:
    """Mirror one snapshot (see the module docstring); `{experimentId, runId}`."""
    manifest, files = snapshot_files(store, entry)
    try:
        run = _run(client, experiment_id, entry, manifest)
        run_id = run["info"]["run_id"]
        at = _created_ms(manifest)
        have = {p.get("key") for p in (run.get("data") or {}).get("params") or []}
        parameters = manifest.get("parameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        keys = mlflow_keys(sorted(str(k) for k in parameters))
        params = [
            {"key": keys[str(k)], "value": str(v)[:MAX_PARAM_VALUE]}
            for k, v in sorted(parameters.items(), key=lambda item: str(item[0]))
            if keys[str(k)] not in have
        ]
        metrics = _metrics(client, run, manifest, at)
    except (TypeError, ValueError, AttributeError, KeyError) as err:
        raise MlopsError(
            "E_STORE_CORRUPT", f"the snapshot's manifest is malformed ({type(err).__name__})"
        ) from None
    while params or metrics:
        batch = params[:MAX_PARAMS_PER_BATCH]
        room = MAX_ITEMS_PER_BATCH - len(batch)
        client.call(
            "POST",
            "runs/log-batch",
            {"run_id": run_id, "params": batch, "metrics": metrics[:room]},
        )
        params, metrics = params[len(batch) :], metrics[room:]
    root = artifact_root(run)
    for name, data in files.items():
        client.upload(f"{root}/{name}", io.BytesIO(data), len(data))
    client.call(
        "POST",
        "runs/update",
        {"run_id": run_id, "status": "FINISHED", "end_time": max(at, 1)},
    )
    left_out = sorted(n for n in MAX_BYTES if n != "manifest.json" and n not in files)
    result = {"experimentId": experiment_id, "runId": run_id, "leftOut": left_out}
    mapping = {"key": entry["key"], "ref": entry["ref"], "commit": entry["commit"], **result}
    write(store, _mapping_path(entry["key"]), canonical(seal(mapping)), parents=True, follow=False)
    return result


def _mapping_path(key: str) -> str:
    return f"tracking/mlflow/{key}.json"


def mirrored_run(store: Store, key: str) -> dict[str, Any] | None:
    """`{experimentId, runId, ref, commit}` of a snapshot already on MLflow, if any."""
    try:
        found = read_record(store, _mapping_path(key))
    except MlopsError:
        return None
    if found is None or found.get("key") != key:
        return None  # another snapshot's mapping, copied here
    return {k: found.get(k) for k in ("experimentId", "runId", "ref", "commit")}


def artifact_root(run: dict[str, Any]) -> str:
    """The proxied artifact path of a run's artifacts (`mlflow-artifacts:` only)."""
    artifact_uri = str(run["info"].get("artifact_uri", ""))
    if not artifact_uri.startswith("mlflow-artifacts:"):
        raise MlopsError(
            "E_BAD_REQUEST",
            "the MLflow server does not proxy artifacts (run artifacts at"
            f" {artifact_uri[:200]!r}): start it with --serve-artifacts"
            " and an --artifacts-destination",
        )
    root = artifact_uri.split(":", 1)[1].lstrip("/")
    if "//" in artifact_uri[: len("mlflow-artifacts://")]:
        root = root.split("/", 1)[1] if "/" in root else ""
    return root
