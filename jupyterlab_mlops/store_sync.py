"""Sync of the experiment store with a git remote (`POST /mlops/store/sync`).

What `dvc exp push` + `dvc exp pull` do, in one call, with the git CLI on
the server (it holds the credentials: the user's credential helper, ssh
agent or the URL in the server's config; none of it reaches the browser):

1. list the remote's experiment refs (`ls-remote`), fetch those new or
   moved there by name, and record them as tracking refs
   `refs/sync/<remote key>/exps/*` (the remote's state as last seen), all
   in one file (`sync_tracking`: git's `packed-refs`);
2. bring each into `refs/exps/*` where that is safe: a ref new on the
   remote is created, one the remote moved ahead (an edit) fast-forwards.
   A ref any tracking refs knew (of this remote, or of any other) but that
   is gone here was deleted (or moved to a new notebook path) here: it is
   not brought back. A ref changed on both sides is a conflict: both
   commits are kept, the local one stays the experiment;
3. `git push` every `refs/exps/*` without `+`: never a force push; the
   remote refuses what is not a fast-forward, and each experiment is its
   own ref, so one refusal never blocks another.

git runs hardened (`store_git`): only a store with our template config is
synced, without hooks, with every received object checked.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .errors import MlopsError
from .locks import flock_held
from .paths import Store
from .store_git import EXPERIMENT_REF, StoreGit, open_store_git
from .sync_remote import redact, tracking_key_url
from .sync_tracking import write_tracking

_AUTH_FAILED = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "permission denied",
)
#: An HTTP 401 or 403 as git reports it ("The requested URL returned error:
#: 401", "HTTP 403"): the status as a whole number, so that a port such as
#: 40193 in "Failed to connect to 127.0.0.1 port 40193" is not one.
_AUTH_STATUS = re.compile(r"(?<![\w.:])(?<!port )40[13](?![\w.:])")
_MAX_MESSAGE = 400
OID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def remote_key(url: str) -> str:
    """The tracking-ref folder of a remote: 16 hex of the SHA-256 of its URL as
    one remote however spelled (no credentials, `sync_remote.tracking_key_url`)."""
    return hashlib.sha256(tracking_key_url(url).encode()).hexdigest()[:16]


def _message(stderr: str, url: str) -> str:
    text = redact(" ".join(stderr.split()), url)
    return text[:_MAX_MESSAGE] or "no message"


def _remote_error(action: str, stderr: str, url: str) -> MlopsError:
    text = _message(stderr, url)
    lowered = stderr.lower()
    if any(sign in lowered for sign in _AUTH_FAILED) or _AUTH_STATUS.search(lowered):
        return MlopsError("E_REMOTE_AUTH", f"the remote refused the credentials ({action}): {text}")
    return MlopsError("E_REMOTE_UNREACHABLE", f"could not {action} the remote: {text}")


def sync(store: Store, url: str, *, timeout_s: float = 600) -> dict[str, Any]:
    """Fetch, merge and push the store's experiment refs (see the module docstring)."""
    with flock_held(store, "locks/sync.flock") as held:
        if not held:
            raise MlopsError("E_BUSY", "a sync of this store is running; try again when it ends")
        git = open_store_git(store, timeout_s)
        return _sync(git, url)


def _advertised(git: StoreGit, url: str) -> dict[str, str]:
    """The remote's experiment refs `{<slug>/<ULID>: oid}`; names the lab never
    writes are left out (they never reach this store, not even as tracking refs)."""
    listed = git.run("ls-remote", "--refs", "--", url, "refs/exps/*")
    if listed.returncode != 0:
        raise _remote_error("list the refs of", listed.stderr, url)
    found: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        oid, _, ref = line.partition("\t")
        if EXPERIMENT_REF.match(ref) and OID.match(oid):
            found[ref[len("refs/exps/") :]] = oid
    return found


def _sync(git: StoreGit, url: str) -> dict[str, Any]:
    tracking = f"refs/sync/{remote_key(url)}/exps/"
    every = git.refs("refs/sync/")
    seen = {name[len(tracking) :]: oid for name, oid in every.items() if name.startswith(tracking)}
    # Known before this fetch from any remote (however spelled): an experiment
    # missing here then was deleted here.
    known = {name.split("/exps/", 1)[1] for name in every if "/exps/" in name}
    remote = _advertised(git, url)
    # Only what is new or moved there, named one by one (`--stdin`), without
    # a destination: the tracking refs are written below, in one file.
    wanted = [name for name, oid in remote.items() if seen.get(name) != oid]
    if wanted:
        fetched = git.run(
            "fetch",
            "--stdin",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-recurse-submodules",
            "--no-auto-gc",
            "--quiet",
            "--",
            url,
            stdin="".join(f"refs/exps/{name}\n" for name in wanted),
        )
        if fetched.returncode != 0:
            raise _remote_error("fetch from", fetched.stderr, url)
    commits = git.commits(sorted(set(remote.values())))
    # Seen there: what arrived, and no longer what the remote deleted. A
    # listing with nothing where there was something is more likely a wrong
    # answer (an empty dumb-HTTP listing, a proxy's page) than an emptied
    # remote: forgetting would bring back, from the next good answer, every
    # experiment deleted here. The remote's state as last seen is kept.
    updates: dict[str, str | None] = {n: remote[n] for n in wanted if remote[n] in commits}
    if remote:
        updates.update({name: None for name in seen if name not in remote})
    write_tracking(git, tracking, updates)
    local = {name[len("refs/exps/") :]: oid for name, oid in git.refs("refs/exps/").items()}
    merged, local = _merge(git, remote, commits, set(seen) | known, local)
    pushed = _push(git, url, tracking, local)
    return {"remote": redact(url, url), **merged, **pushed}


def _merge(
    git: StoreGit, remote: dict[str, str], commits: set[str], seen: set[str], local: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Bring the remote's refs into `refs/exps/` where safe: counts and
    conflicts, and the experiment refs after it (`{<slug>/<ULID>: oid}`)."""
    commands: list[str] = []
    moved: dict[str, str] = {}
    conflicts: list[str] = []
    kept_deleted = 0
    for name, oid in sorted(remote.items()):
        ref = f"refs/exps/{name}"
        if not EXPERIMENT_REF.match(ref) or oid not in commits:
            continue  # an experiment is a commit
        mine = local.get(name)
        if mine is None:
            if name in seen:
                kept_deleted += 1  # deleted or moved here since the last sync
                continue
            commands.append(f"create {ref}\0{oid}\0")
            moved[name] = oid
        elif mine != oid:
            if git.is_ancestor(mine, oid):
                commands.append(f"update {ref}\0{oid}\0{mine}\0")
                moved[name] = oid
            elif not git.is_ancestor(oid, mine):
                conflicts.append(ref)
    applied = _apply(git, commands)
    if applied == len(commands):
        after = {**local, **moved}
    else:  # the lab wrote some meanwhile: as they are now
        after = {n[len("refs/exps/") :]: oid for n, oid in git.refs("refs/exps/").items()}
    counts = {
        "fetched": applied,
        "conflicts": conflicts,
        "keptDeleted": kept_deleted,
        "changedMeanwhile": len(commands) - applied,
    }
    return counts, after


def _apply(git: StoreGit, commands: list[str]) -> int:
    """Run the ref updates in one transaction; one at a time if it fails.

    A ref the lab wrote meanwhile fails its old-value check and is left
    as the lab wrote it (the next sync looks again). Returns how many applied.
    """
    if not commands:
        return 0
    whole = git.run("update-ref", "--stdin", "-z", stdin="".join(commands))
    if whole.returncode == 0:
        return len(commands)
    return sum(
        git.run("update-ref", "--stdin", "-z", stdin=command).returncode == 0
        for command in commands
    )


def _push(git: StoreGit, url: str, tracking: str, local: dict[str, str]) -> dict[str, Any]:
    """Push every experiment ref; `local`: them as they are (`{<slug>/<ULID>: oid}`)."""
    if not local:
        # Nothing to push (git would call a glob that matches nothing an error).
        return {"pushed": 0, "upToDate": 0, "rejected": []}
    done = git.run("push", "--porcelain", "--no-verify", "--", url, "refs/exps/*:refs/exps/*")
    pushed: list[str] = []
    rejected: list[dict[str, str]] = []
    up_to_date = 0
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or len(parts[0]) != 1:
            continue
        flag, names, summary = parts[0], parts[1], parts[2]
        ref = names.rpartition(":")[2]
        if flag in "* ":
            pushed.append(ref)
        elif flag == "=":
            up_to_date += 1
        elif flag == "!":
            rejected.append({"ref": ref, "reason": redact(summary, url)[:200]})
    if done.returncode != 0 and not (pushed or rejected or up_to_date):
        raise _push_error(done.stderr, url)
    # The remote holds them now: a later local delete must not be undone. (A
    # ref the lab moved during the push is recorded as it was before; the
    # next sync sees the remote's and corrects it.)
    names = [ref[len("refs/exps/") :] for ref in pushed]
    if any(name not in local for name in names):
        # Created by the lab during this sync, pushed with the rest.
        local = {n[len("refs/exps/") :]: oid for n, oid in git.refs("refs/exps/").items()}
    write_tracking(git, tracking, {name: local[name] for name in names if name in local})
    return {"pushed": len(pushed), "upToDate": up_to_date, "rejected": rejected}


def _push_error(stderr: str, url: str) -> MlopsError:
    lowered = stderr.lower()
    if not any(sign in lowered for sign in _AUTH_FAILED) and any(
        sign in lowered for sign in ("hook declined", "remote rejected", "read only", "read-only")
    ):
        return MlopsError(
            "E_REMOTE_REJECTED", f"the remote refused the push: {_message(stderr, url)}"
        )
    return _remote_error("push to", stderr, url)
