"""Deploy and roll back a model version: preflight, confirmation, alias, serving, audit.

`preflight` runs the checks and, when they all pass, answers a confirmation
token: random, single use, valid `TOKEN_TTL_S`, bound to the model, the
version, the action and the production version it would replace. The lab
shows the checks, then a dialog of what will change; only that dialog's
confirmation sends the token to `deploy` (or `rollback`), which checks it,
runs the preflight again (nothing may have changed meanwhile), starts the
version's endpoint (the old one keeps serving until the new one answers
`/ping`), and then, under the registry's lock, moves `production` and
appends the audit entry. A version that fails to serve changes nothing.

Checks (each `{id, ok, reason}`): `lineage` (a snapshot, the notebook's
hash, data hashes, a pinned environment), `metric` (the gate from the
lab's settings: at least `min`, and no more than `maxDrop` below the
current production version), `files` (every file's SHA-256 as registered),
`flavor` (on the allowlist), `environment` (the serving Python has the
model's scikit-learn and cloudpickle at the same minor version, numpy,
pandas and scipy at the same major), `audit` (the chain verifies). A
rollback checks `files`, `environment` and `audit`: the version it goes
back to passed its own preflight once.
"""

from __future__ import annotations

import importlib.metadata
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import store_fs
from .errors import MlopsError
from .paths import Store
from .registry_audit import append, entries, registry_lock, verify
from .registry_records import MODELS, model_aliases, version_state
from .registry_serving import start
from .registry_store import write_alias

TOKEN_TTL_S = 300.0
PRODUCTION = "production"
DEFAULT_FLAVORS = ("sklearn",)
#: Libraries whose version must match for a pickled model to load and behave.
_MINOR = ("scikit-learn", "cloudpickle")
_MAJOR = ("numpy", "pandas", "scipy")


@dataclass(frozen=True)
class _Pending:
    store: str
    model: str
    version: int
    action: str
    replaces: int | None
    gate: dict[str, Any]
    requester: str
    expires: float


_TOKENS: dict[str, _Pending] = {}
_TOKENS_LOCK = threading.Lock()


def _check(check_id: str, ok: bool, reason: str) -> dict[str, Any]:
    return {"id": check_id, "ok": ok, "reason": reason}


def _lineage_check(lineage: dict[str, Any] | None) -> dict[str, Any]:
    gaps = []
    if not lineage or not lineage.get("experiment"):
        gaps.append("no snapshot")
    else:
        if not lineage.get("notebookHash"):
            gaps.append("no notebook hash")
        if not lineage.get("dataHashes"):
            gaps.append("no data hashes")
        if not lineage.get("requirements"):
            gaps.append("no pinned environment")
    if gaps:
        return _check("lineage", False, "incomplete: " + ", ".join(gaps))
    return _check("lineage", True, f"experiment {lineage['experiment']['id']}")  # type: ignore[index]


def _metric_check(
    lineage: dict[str, Any] | None, production: dict[str, Any] | None, gate: dict[str, Any]
) -> dict[str, Any]:
    metric = gate.get("metric")
    if not metric:
        return _check("metric", True, "no metric gate set")
    value = ((lineage or {}).get("metrics") or {}).get(metric)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return _check("metric", False, f"the version has no {metric}")
    minimum = gate.get("min")
    if isinstance(minimum, (int, float)) and value < minimum:
        return _check("metric", False, f"{metric} {value:.4g} < {minimum:.4g}")
    current = (((production or {}).get("lineage") or {}).get("metrics") or {}).get(metric)
    drop = gate.get("maxDrop") or 0.0
    if isinstance(current, (int, float)) and value < current - drop:
        return _check(
            "metric",
            False,
            f"{metric} {value:.4g} is worse than production's {current:.4g}"
            f" by more than {drop:.4g}",
        )
    shown = f"{metric} {value:.4g}"
    if isinstance(minimum, (int, float)):
        shown += f" ≥ {minimum:.4g}"
    if isinstance(current, (int, float)):
        shown += f"; production {current:.4g}"
    return _check("metric", True, shown)


def _environment_check(store: Store, key: str, version: int) -> dict[str, Any]:
    rel = f"{MODELS}/{key}/versions/{version}/model/requirements.txt"
    try:
        text = store_fs.read(store, rel, max_bytes=1024 * 1024).decode("utf-8", "replace")
    except MlopsError:
        return _check("environment", False, "the model has no requirements.txt")
    problems = []
    for line in text.splitlines():
        name, sep, wanted = line.strip().partition("==")
        dist = name.lower().replace("_", "-")
        if not sep or dist not in (*_MINOR, *_MAJOR):
            continue
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{dist} is not installed (model: {wanted})")
            continue
        parts = 2 if dist in _MINOR else 1
        if have.split(".")[:parts] != wanted.split(".")[:parts]:
            problems.append(f"{dist} {have} (model: {wanted})")
    if problems:
        return _check("environment", False, "the serving Python has " + "; ".join(problems))
    return _check("environment", True, "the serving Python has the model's libraries")


def _approval_check(
    store: Store, name: str, version: int, gate: dict[str, Any], requester: str
) -> dict[str, Any]:
    if not gate.get("requireApproval"):
        return _check("approval", True, "not required by the settings")
    for entry in entries(store, last=10_000):
        approver = entry["who"].get("username")
        if (
            entry["action"] == "approve"
            and entry["model"] == name
            and entry["version"] == version
            and approver != requester
        ):
            return _check("approval", True, f"approved by {entry['who'].get('name') or approver}")
    return _check(
        "approval", False, "needs the approval of another user (the requester cannot approve)"
    )


def _checks(
    store: Store,
    name: str,
    version: int,
    action: str,
    gate: dict[str, Any],
    requester: str,
) -> tuple[list[dict[str, Any]], dict[str, Any], int | None]:
    key, aliases = model_aliases(store, name)
    record = version_state(store, key, version, full=True)
    current = aliases.get(PRODUCTION)
    production = version_state(store, key, current) if current is not None else None
    checks: list[dict[str, Any]] = []
    if action == "deploy":
        checks.append(_lineage_check(record.get("lineage")))
        checks.append(_metric_check(record.get("lineage"), production, gate))
    checks.append(
        _check(
            "files", record["state"] == "ok", record.get("problem") or "every file as registered"
        )
    )
    if action == "deploy":
        allowed = gate.get("flavors") or list(DEFAULT_FLAVORS)
        flavors = record.get("flavors") or []
        ok = any(f in allowed for f in flavors)
        checks.append(
            _check("flavor", ok, f"{', '.join(flavors) or 'none'} (allowed: {', '.join(allowed)})")
        )
    checks.append(_environment_check(store, key, version))
    if action == "deploy":
        checks.append(_approval_check(store, name, version, gate, requester))
    audit = verify(store)
    checks.append(
        _check(
            "audit",
            audit["ok"],
            f"{_count(audit['count'], 'entry', 'entries')}, chain verified"
            if audit["ok"]
            else f"{_count(len(audit['problems']), 'problem', 'problems')}:"
            f" {audit['problems'][0]['message']}",
        )
    )
    return checks, record, current


def _rollback_target(store: Store, name: str, current: int | None) -> int:
    for entry in entries(store, last=10_000):
        details = entry["details"]
        if (
            entry["model"] == name
            and entry["action"] in ("deploy", "rollback")
            and details.get("to") == current
        ):
            target = details.get("from")
            if isinstance(target, int):
                return target
            break
    raise MlopsError("E_NOT_FOUND", f"{name[:80]!r} has no earlier production version")


def check_gate(value: object) -> dict[str, Any]:
    """The lab's deploy settings: `{metric?, min?, maxDrop?, flavors?}`."""
    if value is None:
        return {}
    allowed = {"metric", "min", "maxDrop", "flavors", "requireApproval"}
    if not isinstance(value, dict) or set(value) - allowed:
        raise MlopsError(
            "E_BAD_REQUEST", "gate: an object of metric, min, maxDrop, flavors, requireApproval"
        )
    if not isinstance(value.get("requireApproval", False), bool):
        raise MlopsError("E_BAD_REQUEST", "gate.requireApproval must be a boolean")
    for field in ("min", "maxDrop"):
        number = value.get(field)
        if number is not None and (
            not isinstance(number, (int, float)) or isinstance(number, bool)
        ):
            raise MlopsError("E_BAD_REQUEST", f"gate.{field} must be a number")
    if value.get("metric") is not None and not isinstance(value["metric"], str):
        raise MlopsError("E_BAD_REQUEST", "gate.metric must be a string")
    flavors = value.get("flavors")
    if flavors is not None and not (
        isinstance(flavors, list) and all(isinstance(f, str) for f in flavors)
    ):
        raise MlopsError("E_BAD_REQUEST", "gate.flavors must be a list of strings")
    return dict(value)


def preflight(
    store: Store,
    name: str,
    version: int | None,
    action: str,
    gate: dict[str, Any],
    who: dict[str, str],
) -> dict[str, Any]:
    """The checks of deploying `version` (or rolling back) and, when all pass, a token."""
    if action not in ("deploy", "rollback"):
        raise MlopsError("E_BAD_REQUEST", "action must be deploy or rollback")
    _, aliases = model_aliases(store, name)
    current = aliases.get(PRODUCTION)
    if action == "rollback":
        version = _rollback_target(store, name, current)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MlopsError("E_BAD_REQUEST", "version must be a version number")
    requester = who.get("username", "")
    checks, record, current = _checks(store, name, version, action, gate, requester)
    ok = all(c["ok"] for c in checks)
    token = None
    if ok:
        token = secrets.token_urlsafe(24)
        pending = _Pending(
            str(store.path),
            name,
            version,
            action,
            current,
            gate,
            requester,
            time.time() + TOKEN_TTL_S,
        )
        with _TOKENS_LOCK:
            now = time.time()
            for stale in [t for t, p in _TOKENS.items() if p.expires < now]:
                del _TOKENS[stale]
            _TOKENS[token] = pending
    return {
        "model": name,
        "version": version,
        "action": action,
        "ok": ok,
        "checks": checks,
        "token": token,
        "change": {"alias": PRODUCTION, "from": current, "to": version},
        "signature": record.get("signature"),
    }


def _take(token: object, store: Store, name: str, action: str) -> _Pending:
    if not isinstance(token, str):
        raise MlopsError("E_BAD_REQUEST", "a confirmation token from the preflight is required")
    with _TOKENS_LOCK:
        pending = _TOKENS.pop(token, None)
    fine = (
        pending is not None
        and pending.expires >= time.time()
        and pending.store == str(store.path)
        and pending.model == name
        and pending.action == action
    )
    if not fine:
        raise MlopsError(
            "E_NOT_CONFIRMED",
            "no confirmation for this change (a token is used once, within 5 minutes,"
            " for the change the preflight showed): run the preflight again",
        )
    return pending  # type: ignore[return-value]


def deploy(
    store: Store, name: str, token: object, action: str, who: dict[str, str]
) -> dict[str, Any]:
    """Carry out a confirmed deploy or rollback; `{model, from, to, endpoint}`."""
    pending = _take(token, store, name, action)
    checks, _, current = _checks(
        store, name, pending.version, action, pending.gate, pending.requester
    )
    failed = [c for c in checks if not c["ok"]]
    if failed:
        raise MlopsError(
            "E_PREFLIGHT_FAILED", "; ".join(f"{c['id']}: {c['reason']}" for c in failed)
        )
    if current != pending.replaces:
        raise MlopsError(
            "E_NOT_CONFIRMED",
            f"production moved meanwhile (now version {current}): run the preflight again",
        )
    endpoint = start(store, name, pending.version)
    with registry_lock(store):
        key, aliases = model_aliases(store, name)
        if aliases.get(PRODUCTION) != pending.replaces:
            raise MlopsError(
                "E_NOT_CONFIRMED", "production moved meanwhile: run the preflight again"
            )
        write_alias(store, key, PRODUCTION, pending.version, name=name, who=who)
        append(
            store,
            who=who,
            action=action,
            model=name,
            version=pending.version,
            details={
                "alias": PRODUCTION,
                "from": pending.replaces,
                "to": pending.version,
                "endpoint": endpoint["url"],
                "checks": [c["id"] for c in checks],
            },
        )
    return {"model": name, "from": pending.replaces, "to": pending.version, "endpoint": endpoint}


def approve(store: Store, name: str, version: object, who: dict[str, str]) -> dict[str, Any]:
    """Record `who`'s approval of deploying `version` (audited); `{model, version, by}`."""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MlopsError("E_BAD_REQUEST", "version must be a version number")
    with registry_lock(store):
        key, _ = model_aliases(store, name)
        state = version_state(store, key, version, full=True)
        if state["state"] != "ok":
            raise MlopsError(
                "E_REGISTRY_CORRUPT", f"version {version}: {state['problem'] or 'missing'}"
            )
        append(store, who=who, action="approve", model=name, version=version, details={})
    return {"model": name, "version": version, "by": who}


def _count(n: int, one: str, many: str) -> str:
    """`1 entry`, `2 entries`."""
    return f"{n} {one if n == 1 else many}"
