"""Server-side settings of the bridge (`c.MlopsExtension.*` in jupyter_server_config)."""

from __future__ import annotations

from typing import Any

from traitlets import Int, TraitError, Unicode, validate
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

    @validate(
        "max_body_bytes",
        "max_read_many_paths",
        "max_hash_jobs",
        "max_hash_files",
        "hash_cache_entries",
    )
    def _check_positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1")
        return int(proposal["value"])
