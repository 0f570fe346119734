"""Server-side settings of the bridge (`c.MlopsExtension.*` in jupyter_server_config)."""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable

from .errors import MlopsError
from .paths import validate_path


class MlopsExtension(Configurable):
    """Configuration of the jupyterlab_mlops server extension.

    One instance lives in `web_app.settings["mlops"]`; handlers read it from
    there, so nothing is kept at module level.
    """

    store_dir = Unicode(
        ".mlops",
        help="Store folder, relative to the Jupyter root (clients may pass another as `store`).",
    ).tag(config=True)

    max_body_bytes = Int(
        32 * 1024 * 1024,
        help="Largest request body accepted by the /mlops/ routes, in bytes.",
    ).tag(config=True)

    max_read_many_paths = Int(
        1000,
        help="Most paths one /mlops/fs/read-many request may ask for.",
    ).tag(config=True)

    max_hash_jobs = Int(
        8,
        help="Most hashing jobs running at once; one more is refused with E_BUSY (429).",
    ).tag(config=True)

    max_hash_files = Int(
        200_000,
        help="Most files one /mlops/hash request may cover, over all its paths.",
    ).tag(config=True)

    hash_cache_entries = Int(
        100_000,
        help="Most file hashes kept in <store>/cache/hashes.json (least recently used dropped).",
    ).tag(config=True)

    stale_temp_seconds = Int(
        3600,
        help=(
            "Temp files of interrupted writes (.mlops-tmp-*) older than this many seconds are "
            "removed from a store when this server first uses it, and again at most this "
            "often; 0 turns the sweep off."
        ),
    ).tag(config=True)

    kernel_websocket_nodelay = Bool(
        True,
        help=(
            "Turn Nagle's algorithm off on kernel websockets (TCP_NODELAY): small kernel"
            " replies leave at once instead of after the client's delayed ACK (~40 ms)."
            " Only when the server uses jupyter_server's default connection class."
        ),
    ).tag(config=True)

    experiments_remote = Unicode(
        "",
        help=(
            "git remote the experiment store syncs with when the lab's Sync remote setting is"
            " empty (empty: the project repository's origin). Any git URL or a local path,"
            " outside the Jupyter root too; credentials come from git's credential helper or"
            " the URL and never reach the browser."
        ),
    ).tag(config=True)

    sync_timeout_seconds = Int(
        600,
        help="Longest a Sync of the experiment store may take (fetch and push together).",
    ).tag(config=True)

    mlflow_tracking_uri = Unicode(
        "",
        help=(
            "MLflow server the registry pushes to when the lab's setting is `registry: mlflow`"
            " (http or https; empty: $MLFLOW_TRACKING_URI). Never sent to the browser with"
            " credentials."
        ),
    ).tag(config=True)

    mlflow_tracking_token = Unicode(
        "",
        help=(
            "Bearer token for the MLflow server (empty: $MLFLOW_TRACKING_TOKEN, or"
            " $MLFLOW_TRACKING_USERNAME/PASSWORD). Stays in this process."
        ),
    ).tag(config=True)

    mlflow_experiment = Unicode(
        "jupyterlab-mlops",
        help="MLflow experiment that holds the runs of pushed model versions.",
    ).tag(config=True)

    mlflow_retry_max_seconds = Float(
        30.0,
        help="Longest wait between two tries of an outbox entry MLflow did not take.",
    ).tag(config=True)

    @validate("store_dir")
    def _check_store_dir(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        try:
            name = validate_path(value, field="store_dir")
        except MlopsError as err:
            raise TraitError(err.message) from err
        if not name:
            raise TraitError("store_dir must be a folder inside the Jupyter root, not the root")
        return str(value)

    @validate("stale_temp_seconds")
    def _check_not_negative(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 0:
            raise TraitError("stale_temp_seconds must be 0 (off) or more")
        return int(proposal["value"])

    @validate(
        "max_body_bytes",
        "max_read_many_paths",
        "max_hash_jobs",
        "max_hash_files",
        "hash_cache_entries",
        "max_read_many_bytes",
        "max_read_bytes",
        "max_write_many_inflated_bytes",
        "max_heavy_requests",
    )
    def _check_positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1")
        return int(proposal["value"])

    hash_cache_key_file = Unicode(
        "",
        help=(
            "File holding this server's secret key for the hash cache (created with mode 0600 "
            "if missing; an unusable one is replaced by a key for the process only). Empty: "
            "<jupyter data dir>/jupyterlab_mlops/hash-cache.key. Keep it out of the Jupyter "
            "root's stores: cache entries it did not sign are ignored."
        ),
    ).tag(config=True)

    max_read_many_bytes = Int(
        32 * 1024 * 1024,
        help=(
            "Most file bytes one /mlops/fs/read-many answer carries (before base64); a file "
            "that does not fit is answered E_ANSWER_TOO_LARGE and the client asks again."
        ),
    ).tag(config=True)

    max_write_many_inflated_bytes = Int(
        64 * 1024 * 1024,
        help=(
            "Most bytes the objects of one /mlops/fs/write-many request may inflate to, in all; "
            "more is refused with E_BODY_TOO_LARGE before anything is written."
        ),
    ).tag(config=True)

    max_read_bytes = Int(
        256 * 1024 * 1024,
        help=(
            "Largest file /mlops/fs/read answers (before base64; isomorphic-git reads whole "
            "pack files through it); a bigger one is E_ANSWER_TOO_LARGE."
        ),
    ).tag(config=True)

    max_heavy_requests = Int(
        2,
        help=(
            "read-many and write-many requests running at once, on threads of their own so "
            "the other routes stay responsive."
        ),
    ).tag(config=True)

    max_heavy_queue = Int(
        64,
        help=(
            "read-many and write-many requests waiting for a thread (a burst of saves from "
            "several tabs queues here); one more is refused with E_BUSY (429, Retry-After: 1)."
        ),
    ).tag(config=True)

    @validate("max_heavy_queue")
    def _check_queue(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 0:
            raise TraitError("max_heavy_queue must be 0 (no waiting) or more")
        return int(proposal["value"])
