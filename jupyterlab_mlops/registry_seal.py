"""Seals on what the local registry writes: it trusts only its own records.

A store can arrive from elsewhere (a cloned repository, a shared folder),
and a SHA-256 chain or a file's hash can be recomputed by anyone. So each
record the registry writes (`model.json`, `version.json`, `aliases.json`,
every audit entry and the audit head) carries `seal`: an HMAC-SHA256 of its
canonical JSON under the per-user secret that also seals the pipeline cache
and run statuses (run_cache.py; kept outside every project). A record
without a valid seal is not this registry's: its version is `corrupt`, its
aliases are ignored, its audit line is `forged`, and nothing of it is
deployed or served. Without a secret (no writable home) nothing is sealed
and everything is believed, as nothing better can be done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .run_cache import cache_secret

SEAL = "seal"


def _canonical(value: dict[str, Any]) -> bytes:
    body = {k: v for k, v in value.items() if k != SEAL}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _mac(secret: bytes, value: dict[str, Any]) -> str:
    return hmac.new(secret, _canonical(value), hashlib.sha256).hexdigest()


def seal(value: dict[str, Any]) -> dict[str, Any]:
    """`value` with its `seal` (unchanged without a secret)."""
    secret = cache_secret()
    if secret is None:
        return value
    body = {k: v for k, v in value.items() if k != SEAL}
    return {**body, SEAL: _mac(secret, body)}


def is_sealed(value: object) -> bool:
    """Whether a record was written by this user's registry (always, without a secret)."""
    secret = cache_secret()
    if secret is None:
        return True
    if not isinstance(value, dict) or not isinstance(value.get(SEAL), str):
        return False
    try:
        return hmac.compare_digest(value[SEAL], _mac(secret, value))
    except (TypeError, ValueError, RecursionError):
        # RecursionError: a planted record nested too deep to encode again.
        return False


def unsealed(value: dict[str, Any]) -> dict[str, Any]:
    """A record without its seal (what clients see)."""
    return {k: v for k, v in value.items() if k != SEAL}
