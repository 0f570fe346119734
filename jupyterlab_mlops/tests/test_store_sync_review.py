"""`store/sync` against what the first attack review of Sync found (each reproduced
on a real server first): a store that names its own remotes or links its refs
out of the root, a remote spelled another way bringing deleted experiments
back, a stalled remote leaving git processes behind, a password that git's
messages quote in part."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from .conftest import Api
from .git_remote_support import GitHttpServer, bare, experiment, refs
from .test_store_sync_hostile import created, http

__all__ = ["http"]

REF = "refs/exps/nb/01JR0000000000000000000001"


def configure(app: Any, **traits: Any) -> None:
    """Change the extension's config of the running server (read per request)."""
    for name, value in traits.items():
        setattr(app.web_app.settings["mlops"], name, value)


async def test_a_store_naming_its_own_remotes_is_not_synced(
    api: Api, store: Path, http: GitHttpServer, outside: Path, jp_serverapp: Any
) -> None:
    """F3: `$GIT_DIR/remotes/<name>` would send git elsewhere, with its own refspecs."""
    store_git = await created(api, store)
    elsewhere = bare(outside / "team.git")
    bare(http.project_root / "team.git")
    (store_git / "remotes").mkdir()
    (store_git / "remotes" / "team").write_text(
        f"URL: {elsewhere}\nPull: +refs/exps/*:refs/heads/planted/*\n"
    )
    experiment(store_git, REF, {"x": 1})
    configure(jp_serverapp, experiments_remote=f"{http.url}/team.git")
    status, answer = await api("store/sync", {})
    assert (status, answer["code"]) == (403, "E_UNSAFE_REPOSITORY"), answer
    assert refs(elsewhere) == {} and refs(http.project_root / "team.git") == {}


@pytest.mark.parametrize("linked", ["refs/exps", "refs/sync", "objects/pack"])
async def test_a_store_whose_refs_or_objects_link_out_of_the_root_is_not_synced(
    api: Api, store: Path, http: GitHttpServer, outside: Path, linked: str
) -> None:
    """F4: git would write refs (or objects) through the link."""
    store_git = await created(api, store)
    experiment(store_git, REF, {"x": 1})
    bare(http.project_root / "team.git")
    target = outside / "linked"
    target.mkdir()
    path = store_git / linked
    if path.exists():
        path.rename(outside / "moved-away")
    path.symlink_to(target)
    status, answer = await api("store/sync", {"remote": f"{http.url}/team.git"})
    # objects/ is already refused by the store's own confinement.
    assert status == 403 and answer["code"] in ("E_UNSAFE_REPOSITORY", "E_PATH_OUTSIDE_ROOT")
    assert list(target.iterdir()) == []


async def test_a_deleted_experiment_stays_deleted_however_the_remote_is_spelled(
    api: Api, store: Path, http: GitHttpServer
) -> None:
    """F6: the remote's memory is keyed by the URL without credentials or a trailing `/`."""
    store_git = await created(api, store)
    bare(http.project_root / "team.git")
    experiment(store_git, REF, {"x": 1})
    url = f"{http.url}/team.git"
    status, answer = await api("store/sync", {"remote": url})
    assert status == 200 and answer["pushed"] == 1, answer
    (store_git / REF).unlink()
    host = url.split("://", 1)[1]
    for spelled in (f"{url}/", f"http://someone:pw@{host}"):
        status, answer = await api("store/sync", {"remote": spelled})
        assert status == 200 and answer["fetched"] == 0 and answer["keptDeleted"] == 1, answer
        assert REF not in refs(store_git)


class _Stall:
    """A web server that answers with headers, then nothing, forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack")

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _gits_towards(port: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info.get("cmdline") or [])
        if "git" in line and f":{port}" in line:
            found.append(process)
    return found


async def test_a_stalled_remote_times_out_and_leaves_no_git_behind(
    api: Api, store: Path, jp_serverapp: Any
) -> None:
    """F7: on timeout the whole process group goes, transport helpers too."""
    await created(api, store)
    stall = _Stall()
    configure(jp_serverapp, sync_timeout_seconds=3)
    try:
        started = time.monotonic()
        status, answer = await api(
            "store/sync", {"remote": f"http://127.0.0.1:{stall.port}/team.git"}
        )
        assert (status, answer["code"]) == (502, "E_REMOTE_UNREACHABLE"), answer
        assert time.monotonic() - started < 30
        deadline = time.monotonic() + 10
        while _gits_towards(stall.port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _gits_towards(stall.port) == []
    finally:
        stall.close()


@pytest.mark.parametrize("password", ["s3cr%40t%2Fpw", "plain-s3cret-pw"])
async def test_a_password_never_shows_in_part_or_decoded(
    api: Api, store: Path, jp_serverapp: Any, password: str
) -> None:
    """F8: git's messages quote URLs as it parsed them; every form is removed."""
    await created(api, store)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    url = f"http://alice:{password}@127.0.0.1:{closed}/team.git"
    configure(jp_serverapp, experiments_remote=url)
    status, answer = await api("store/sync", {})
    assert (status, answer["code"]) == (502, "E_REMOTE_UNREACHABLE"), answer
    text = str(answer)
    for piece in (password, password.replace("%40", "@").replace("%2F", "/"), "s3cr"):
        assert piece not in text
    status, answer = await api("store/sync", {"remote": url})
    assert "s3cr" not in str(answer)


async def test_a_deleted_experiment_stays_deleted_for_any_remote(
    api: Api, store: Path, http: GitHttpServer
) -> None:
    """Second review: `./`, `//` and another remote that also holds it."""
    store_git = await created(api, store)
    team = bare(http.project_root / "team.git")
    experiment(store_git, REF, {"x": 1})
    status, answer = await api("store/sync", {"remote": f"{http.url}/team.git"})
    assert status == 200 and answer["pushed"] == 1, answer
    import shutil

    shutil.copytree(team, http.project_root / "mirror.git")
    (store_git / REF).unlink()
    for spelled in (f"{http.url}/./team.git", f"{http.url}//team.git", f"{http.url}/mirror.git"):
        status, answer = await api("store/sync", {"remote": spelled})
        assert status == 200 and answer["fetched"] == 0 and answer["keptDeleted"] == 1, answer
        assert REF not in refs(store_git)


def test_ipv6_hosts_are_remotes_not_helpers() -> None:
    from ..sync_remote import check_remote

    for url in ("http://[::1]:8796/r.git", "ssh://git@[fe80::1]/x.git"):
        assert check_remote(url, local=False) == url
