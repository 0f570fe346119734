"""What an outbox entry becomes on MLflow (registry_push sends the entries).

A version entry becomes, on the MLflow server:

1. the experiment `mlops_experiment` (found by name, made when missing);
2. one run, tagged `mlops.idempotency_key=<key>`: searched first, created
   only when none has the tag; its params and metrics are the version's
   lineage (only those the run lacks are logged, with fixed timestamps);
3. the model's files, streamed to the run's `model/` artifacts through the
   proxied artifact API, each hashed as it goes and checked against the
   version's record (a changed file is never pushed), and the lineage as
   `mlops/version.json`;
4. the registered model (found, or made);
5. one model version from `runs:/…/model`, tagged with the key: searched
   by the run first, created only when none.

An alias entry sets (or deletes) the alias on the MLflow version that
mirrors the local one. Every step can run again with the same result.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import stat
import threading
from pathlib import Path
from typing import Any

from .errors import MlopsError
from .mlflow_client import Mlflow, MlflowError
from .paths import Store, locate
from .pipeline_process import _NOFOLLOW
from .registry_audit import canonical, registry_lock
from .registry_records import MODELS, aliases_of, read_record, version_state
from .registry_seal import seal
from .store_write import write
from .tracking_mlflow import artifact_root

KEY_TAG = "mlops.idempotency_key"
#: MLflow's limits on one log-batch call and on a param's value.
MAX_PARAMS_PER_BATCH = 100
MAX_METRICS_PER_BATCH = 1000
MAX_PARAM_VALUE = 6000


def _mapping_path(model_key: str) -> str:
    return f"{MODELS}/{model_key}/mlflow.json"


def mlflow_version_of(store: Store, model_key: str, version: int) -> dict[str, Any] | None:
    """What a local version is on MLflow (`{version, runId, experimentId}`), once pushed."""
    try:
        found = read_record(store, _mapping_path(model_key)) or {}
    except MlopsError:
        return None
    if found.get("modelKey") != model_key:
        return None  # another model's mapping, copied here
    mirrored = found.get("versions", {})
    value = mirrored.get(str(version)) if isinstance(mirrored, dict) else None
    return value if isinstance(value, dict) else None


def _remember(store: Store, model_key: str, version: int, result: dict[str, Any]) -> None:
    with registry_lock(store):
        try:
            found = read_record(store, _mapping_path(model_key)) or {}
        except MlopsError:
            found = {}
        mine = found.get("modelKey") == model_key and isinstance(found.get("versions"), dict)
        versions = {**(found["versions"] if mine else {}), str(version): result}
        write(
            store,
            _mapping_path(model_key),
            canonical(seal({"modelKey": model_key, "versions": versions})),
            parents=True,
            follow=False,
        )


class MlflowMirror:
    """The MLflow calls of one entry: `push_version`, `push_alias` (each can run again)."""

    def __init__(self, client: Mlflow, experiment: str):
        self.client = client
        self.experiment = experiment
        self._experiment_id: str | None = None

    def experiment_id(self) -> str:
        """The MLflow experiment's id (found by name, or made)."""
        return self._experiment()

    def _experiment(self) -> str:
        if self._experiment_id:
            return self._experiment_id
        for _ in range(2):  # made meanwhile by someone else: found the second time
            try:
                found = self.client.call(
                    "GET", "experiments/get-by-name", query={"experiment_name": self.experiment}
                )
                self._experiment_id = str(found["experiment"]["experiment_id"])
                return self._experiment_id
            except MlflowError as err:
                if err.code != "RESOURCE_DOES_NOT_EXIST":
                    raise
            try:
                made = self.client.call("POST", "experiments/create", {"name": self.experiment})
                self._experiment_id = str(made["experiment_id"])
                return self._experiment_id
            except MlflowError as again:
                if again.code != "RESOURCE_ALREADY_EXISTS":
                    raise
        raise MlflowError(
            "RESOURCE_DOES_NOT_EXIST",
            f"MLflow says the experiment {self.experiment!r} both exists and does not",
            retryable=True,
        )

    def _run(self, experiment_id: str, entry: dict[str, Any], record: dict[str, Any]) -> dict:
        query = {
            "experiment_ids": [experiment_id],
            "filter": f"tags.`{KEY_TAG}` = '{entry['key']}'",
            "max_results": 2,
        }
        runs = self.client.call("POST", "runs/search", query).get("runs") or []
        if runs:
            tags = {t.get("key"): t.get("value") for t in runs[0]["data"].get("tags") or []}
            mine = (entry["model"], str(entry["version"]))
            if (tags.get("mlops.model"), tags.get("mlops.version")) != mine:
                raise MlopsError(
                    "E_NAME_COLLISION",
                    "this idempotency key's MLflow run is another registration's"
                    f" ({str(tags.get('mlops.model'))[:80]!r} v{tags.get('mlops.version')})",
                )
            return runs[0]
        lineage = record.get("lineage") or {}
        experiment = lineage.get("experiment") or {}
        tags = {
            KEY_TAG: entry["key"],
            "mlflow.runName": f"{entry['model']} v{entry['version']}"[:250],
            "mlflow.user": str((record.get("createdBy") or {}).get("username", ""))[:250],
            "mlops.model": entry["model"],
            "mlops.version": str(entry["version"]),
            "mlops.experiment": str(experiment.get("id") or "none"),
            "mlops.experiment_ref": str(experiment.get("ref") or ""),
            "mlops.notebook_hash": str(lineage.get("notebookHash") or ""),
            "mlflow.source.name": str(lineage.get("notebook") or "")[:500],
        }
        made = self.client.call(
            "POST",
            "runs/create",
            {
                "experiment_id": experiment_id,
                "start_time": entry["queuedAt"],
                "run_name": tags["mlflow.runName"],
                "tags": [{"key": k, "value": v} for k, v in tags.items() if v],
            },
        )
        return made["run"]

    def _log_lineage(self, run: dict[str, Any], entry: dict[str, Any], record: dict) -> None:
        """Log the params and metrics of the lineage the run does not have yet."""
        lineage = record.get("lineage") or {}
        data = run.get("data") or {}
        have_params = {p.get("key") for p in data.get("params") or []}
        have_metrics = {m.get("key") for m in data.get("metrics") or []}
        params = [
            {"key": str(k)[:250], "value": str(v)[:MAX_PARAM_VALUE]}
            for k, v in sorted((lineage.get("params") or {}).items())
            if str(k)[:250] not in have_params
        ]
        metrics = [
            {"key": str(k)[:250], "value": float(v), "timestamp": entry["queuedAt"], "step": 0}
            for k, v in sorted((lineage.get("metrics") or {}).items())
            if isinstance(v, (int, float))
            and not isinstance(v, bool)
            and str(k)[:250] not in have_metrics
        ]
        run_id = run["info"]["run_id"]
        while params or metrics:
            self.client.call(
                "POST",
                "runs/log-batch",
                {
                    "run_id": run_id,
                    "params": params[:MAX_PARAMS_PER_BATCH],
                    "metrics": metrics[:MAX_METRICS_PER_BATCH],
                },
            )
            params = params[MAX_PARAMS_PER_BATCH:]
            metrics = metrics[MAX_METRICS_PER_BATCH:]

    def _upload(self, store: Store, entry: dict[str, Any], run: dict, record: dict) -> str:
        """Push the model's files; the `mlflow-artifacts` path of the run's model folder."""
        root = artifact_root(run)
        folder = locate(
            store, f"{MODELS}/{entry['modelKey']}/versions/{entry['version']}/model", follow=False
        )
        for rel, info in sorted(record["files"].items()):
            self._upload_file(folder / rel, f"{root}/model/{rel}", info)
        lineage = canonical({k: v for k, v in record.items() if k not in ("files",)})
        self.client.upload(f"{root}/mlops/version.json", io.BytesIO(lineage), len(lineage))
        return f"{root}/model"

    def _upload_file(self, path: Path, artifact: str, info: dict[str, Any]) -> None:
        """Send one file of the version: exactly the bytes whose SHA-256 is the recorded one.

        The bytes are hashed as they are read, and the very bytes hashed are
        the ones sent; the last block goes only once the whole hash is the
        registry's, so a file changed in any way (even through a shared
        mapping, which leaves its times alone) never reaches MLflow whole.
        """
        # Non-blocking: a FIFO planted in the file's place cannot hang the worker.
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise MlopsError("E_REGISTRY_CORRUPT", f"{path.name} is no regular file")
            checked = _CheckedFile(handle, int(info["size"]), str(info.get("sha256")), path.name)
            try:
                self.client.upload(artifact, checked, int(info["size"]))
            finally:
                checked.close()
            if checked.problem:
                raise MlopsError("E_REGISTRY_CORRUPT", checked.problem)

    def push_version(self, store: Store, entry: dict[str, Any]) -> dict[str, Any]:
        record = version_state(store, entry["modelKey"], entry["version"])
        if record["state"] != "ok":
            problem = f"version {entry['version']}: {record['problem']}"
            raise MlopsError("E_REGISTRY_CORRUPT", problem)
        experiment_id = self._experiment()
        run = self._run(experiment_id, entry, record)
        run_id = run["info"]["run_id"]
        self._log_lineage(run, entry, record)
        self._upload(store, entry, run, record)
        source = f"runs:/{run_id}/model"
        try:
            self.client.call("POST", "registered-models/create", {"name": entry["model"]})
        except MlflowError as err:
            if err.code != "RESOURCE_ALREADY_EXISTS":
                raise
        found = (
            self.client.call(
                "GET", "model-versions/search", query={"filter": f"run_id = '{run_id}'"}
            ).get("model_versions")
            or []
        )
        mine = [
            v
            for v in found
            if v.get("name") == entry["model"]
            and any(
                t.get("key") == KEY_TAG and t.get("value") == entry["key"]
                for t in v.get("tags") or []
            )
        ]
        if mine:
            version = mine[0]
        else:
            version = self.client.call(
                "POST",
                "model-versions/create",
                {
                    "name": entry["model"],
                    "source": source,
                    "run_id": run_id,
                    "description": str(record.get("description") or "")[:5000],
                    "tags": [
                        {"key": KEY_TAG, "value": entry["key"]},
                        {"key": "mlops.version", "value": str(entry["version"])},
                    ],
                },
            )["model_version"]
        result = {
            "experimentId": experiment_id,
            "runId": run_id,
            "version": str(version.get("version")),
        }
        _remember(store, entry["modelKey"], entry["version"], result)
        return result

    def push_alias(self, store: Store, entry: dict[str, Any]) -> dict[str, Any]:
        now = aliases_of(store, entry["modelKey"]).get(entry["alias"])
        if now != entry["version"]:
            # Moved again since (a later entry sends that), or a replayed old entry.
            return {"version": None, "skipped": f"the alias is at {now} now"}
        if entry["version"] is None:
            try:
                self.client.call(
                    "DELETE",
                    "registered-models/alias",
                    {"name": entry["model"], "alias": entry["alias"]},
                )
            except MlflowError as err:
                if err.code != "RESOURCE_DOES_NOT_EXIST":
                    raise
            return {"version": None}
        mirrored = mlflow_version_of(store, entry["modelKey"], entry["version"])
        if mirrored is None:
            raise MlopsError(
                "E_NOT_FOUND",
                f"version {entry['version']} of {entry['model'][:80]!r} is not on MLflow",
            )
        self.client.call(
            "POST",
            "registered-models/alias",
            {"name": entry["model"], "alias": entry["alias"], "version": mirrored["version"]},
        )
        return {"version": mirrored["version"]}


class _CheckedFile:
    """`read(n)` of a file's first `size` bytes, read and hashed ahead by a thread.

    hashlib, file reads and socket sends all release the GIL, so hashing
    runs alongside the upload. The last block is held back until the hash
    of everything is `sha256`; if not, `problem` says so and the read ends
    early (the request's body is short: the server drops it).
    """

    DEPTH = 4

    def __init__(self, handle: Any, size: int, sha256: str, name: str):
        self.problem: str | None = None
        self._blocks: queue.Queue[bytes | None] = queue.Queue(self.DEPTH)
        self._stop = threading.Event()
        self._buffer = b""

        def ahead() -> None:
            digest = hashlib.sha256()
            left = size
            try:
                while left > 0 and not self._stop.is_set():
                    block = handle.read(min(1 << 20, left))
                    if not block:
                        break
                    digest.update(block)
                    left -= len(block)
                    if left == 0 and digest.hexdigest() != sha256:
                        break  # the last block is never handed on
                    self._blocks.put(block)
                if left != 0 or digest.hexdigest() != sha256 or handle.read(1):
                    self.problem = f"{name} changed since it was registered: not pushed"
            except OSError as err:
                self.problem = f"{name}: {type(err).__name__}"
            finally:
                self._blocks.put(None)

        self._thread = threading.Thread(target=ahead, name="mlops-upload-hash", daemon=True)
        self._thread.start()

    def read(self, size: int) -> bytes:
        if not self._buffer:
            block = self._blocks.get()
            if block is None:
                self._blocks.put(None)
                if self.problem:
                    # Abort the request: MLflow gets a short body and keeps nothing.
                    raise MlopsError("E_REGISTRY_CORRUPT", self.problem)
                return b""
            self._buffer = block
        piece, self._buffer = self._buffer[:size], self._buffer[size:]
        return piece

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._blocks.get(timeout=0.1)
            except Exception:  # noqa: S112 - queue.Empty: look again
                continue
        self._thread.join()
