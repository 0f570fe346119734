"""Sending the outbox's entries to MLflow (registry_outbox holds them), one worker thread.

The thread sends each store's pending entries in order (what each becomes
on MLflow: registry_mlflow), holding `locks/outbox.flock` so two servers
never send one entry at once. A retryable failure (a 5xx, a 429, a dropped
connection, a lost answer) only delays the entry, with a backoff; another
error fails it with MLflow's message, and Retry in the panel queues it
again. Any other exception fails its entry, never the thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from .errors import MlopsError
from .locks import flock_held
from .mlflow_client import Mlflow, MlflowError, MlflowTarget
from .paths import Store
from .registry_audit import registry_lock
from .registry_mlflow import MlflowMirror
from .registry_outbox import all_entries, prune, read, save
from .tracking_mlflow import push_snapshot

MAX_BACKOFF_S = 30.0


class Pusher:
    """Sends the entries of the stores it was told about; one thread per Jupyter server."""

    def __init__(
        self,
        target: MlflowTarget | None,
        experiment: str,
        log: logging.Logger,
        max_backoff_s: float = MAX_BACKOFF_S,
    ):
        self.target = target
        self.max_backoff_s = max(0.05, max_backoff_s)
        self.experiment = experiment
        self.log = log
        self.mirror = MlflowMirror(Mlflow(target), experiment) if target else None
        self._stores: dict[str, Store] = {}
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- the thread ---------------------------------------------------------

    def kick(self, store: Store) -> None:
        """Look at `store`'s outbox soon (start the thread on first use)."""
        if self.mirror is None:
            return
        with self._wake:
            self._stores[str(store.path)] = store
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="mlops-outbox", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()

    def _loop(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                stores = list(self._stores.values())
            wait = self.max_backoff_s
            for store in stores:
                try:
                    wait = min(wait, self.drain(store))
                except Exception as err:  # the thread must outlive any one store's trouble
                    # Its kind only: an exception's text may quote a credential.
                    self.log.error("mlops outbox: %s: %s", store.path, type(err).__name__)
            with self._wake:
                if not self._stopping:
                    self._wake.wait(timeout=max(0.05, wait))

    # -- one store ----------------------------------------------------------

    def drain(self, store: Store) -> float:
        """Send `store`'s pending entries in order; seconds until the next one is due."""
        with flock_held(store, "locks/outbox.flock") as held:
            if not held:
                return 1.0
            for entry in all_entries(store):
                if entry["state"] != "pending":
                    continue
                due = entry.get("nextTryAt", 0) / 1000 - time.time()
                if due > 0:
                    return due  # in order: a later entry waits for this one
                if not self._send(store, entry):
                    return 0.05
            with contextlib.suppress(MlopsError), registry_lock(store):
                prune(store)
        return self.max_backoff_s

    def _send(self, store: Store, entry: dict[str, Any]) -> bool:
        """Try one entry once; whether it is settled (done or failed)."""
        assert self.mirror
        try:
            if entry["kind"] == "version":
                result = self.mirror.push_version(store, entry)
            elif entry["kind"] == "snapshot":
                experiment_id = self.mirror.experiment_id()
                result = push_snapshot(self.mirror.client, experiment_id, store, entry)
            else:
                result = self.mirror.push_alias(store, entry)
        except MlflowError as err:
            return self._failed(store, entry, err.code, err.message, err.retryable)
        except MlopsError as err:
            return self._failed(store, entry, err.code, err.message, False)
        except Exception as err:  # a malformed answer, anything: this entry fails, not the worker
            message = f"unexpected {type(err).__name__} (a malformed answer from MLflow?)"
            return self._failed(store, entry, "E_PUSH_FAILED", message, False)
        latest = read(store, entry["key"]) or entry
        save(
            store,
            {
                **latest,
                "state": "done",
                "attempts": entry["attempts"] + 1,
                "lastError": None,
                "result": result,
            },
        )
        return True

    def _failed(
        self, store: Store, entry: dict[str, Any], code: str, message: str, retryable: bool
    ) -> bool:
        attempts = entry["attempts"] + 1
        backoff = min(self.max_backoff_s, 0.25 * 2 ** min(attempts, 10))
        save(
            store,
            {
                **entry,
                "attempts": attempts,
                "state": "pending" if retryable else "failed",
                "lastError": {"code": code, "message": message[:1000]},
                "nextTryAt": int((time.time() + backoff) * 1000) if retryable else 0,
            },
        )
        return not retryable
