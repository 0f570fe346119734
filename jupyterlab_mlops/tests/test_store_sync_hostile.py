"""`store/sync` against hostile input: remotes that would run commands or lead out of
the root, a project origin planted by whoever cloned the project, stores from
elsewhere, and a remote that serves refs and objects the lab never writes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.store_sync import _remote_error
from jupyterlab_mlops.sync_remote import check_remote

from .conftest import Api
from .git_remote_support import GitHttpServer, bare, experiment, git, refs, serving

REF = "refs/exps/nb/01JD0000000000000000000001"


@pytest.fixture
def http(tmp_path: Path) -> Iterator[GitHttpServer]:
    """A public smart-HTTP git server for the bare repositories in `tmp_path/remotes`."""
    folder = tmp_path / "remotes"
    folder.mkdir()
    with serving(folder) as server:
        yield server


def served(http: GitHttpServer, name: str = "team.git") -> tuple[Path, str]:
    """A bare repository the HTTP server serves: its path and URL."""
    return bare(http.project_root / name), f"{http.url}/{name}"


async def created(api: Api, store: Path) -> Path:
    """The store made by the bridge from its template; its git directory."""
    status, _ = await api("store/init", {})
    assert status == 200
    return store / "experiments.git"


@pytest.mark.parametrize(
    ("remote", "code"),
    [
        ("ext::sh -c touch% /tmp/pwned", "E_REMOTE_INVALID"),
        ("ext::sh", "E_REMOTE_INVALID"),
        ("fd::3", "E_REMOTE_INVALID"),
        ("--upload-pack=touch /tmp/pwned", "E_REMOTE_INVALID"),
        ("-uhack", "E_REMOTE_INVALID"),
        ("http://", "E_REMOTE_INVALID"),
        ("relative/repo.git", "E_REMOTE_INVALID"),
        ("https://example.com/a b.git", "E_REMOTE_INVALID"),
        ("https://example.com/a\nb.git", "E_REMOTE_INVALID"),
        ("https://example.com/a\x7f.git", "E_REMOTE_INVALID"),
        ("https://example.com/" + "a" * 3000, "E_REMOTE_INVALID"),
        ("gopher://example.com/x.git", "E_REMOTE_INVALID"),
        ("file:///etc", "E_REMOTE_INVALID"),
        ("/etc", "E_REMOTE_INVALID"),
        ("./team.git", "E_REMOTE_INVALID"),
        ("team:x", "E_REMOTE_INVALID"),
        ("origin", "E_REMOTE_INVALID"),
        ("https://[fe80:1/x", "E_REMOTE_INVALID"),
        ("https://[1:2:3]/x.git", "E_REMOTE_INVALID"),
        ("https://example.com:99999/x.git", "E_REMOTE_INVALID"),
        ("ssh://[-oProxyCommand=touch% /tmp/pwned]:22/x", "E_REMOTE_INVALID"),
        ("http://alice:s3cr@t/pw@127.0.0.1:9/team.git", "E_REMOTE_INVALID"),
    ],
)
async def test_a_remote_that_could_run_or_reach_anything_is_refused(
    api: Api, store: Path, tmp_path: Path, remote: str, code: str
) -> None:
    store_git = await created(api, store)
    experiment(store_git, REF, {"x": 1})
    before = refs(store_git, "refs/")
    status, answer = await api("store/sync", {"remote": remote})
    assert answer["code"] == code, answer
    assert status in (400, 403)
    assert refs(store_git, "refs/") == before
    assert not Path("/tmp/pwned").exists()


async def test_a_local_repository_named_by_the_lab_is_refused_even_inside_the_root(
    api: Api, store: Path, jp_root_dir: Path, outside: Path
) -> None:
    """git would start receive-pack in it, with its own config and hooks (review F1/F2)."""
    store_git = await created(api, store)
    inside = bare(jp_root_dir / "inside.git")
    (jp_root_dir / "link.git").symlink_to(bare(outside / "team.git"))
    experiment(store_git, REF, {"x": 1})
    for remote in (inside.as_uri(), str(inside), (jp_root_dir / "link.git").as_uri()):
        status, answer = await api("store/sync", {"remote": remote})
        assert (status, answer["code"]) == (400, "E_REMOTE_INVALID"), answer
    assert refs(inside) == {} and refs(outside / "team.git") == {}


@pytest.mark.parametrize(
    "body",
    [{"remote": 1}, {"remote": None}, {"remote": ["x"]}, {"remote": "", "push": True}],
)
async def test_malformed_bodies(api: Api, store: Path, body: dict[str, object]) -> None:
    await created(api, store)
    status, answer = await api("store/sync", body)
    assert (status, answer["code"]) == (400, "E_BAD_REQUEST")


async def test_oversized_and_broken_bodies(api: Api, store: Path) -> None:
    await created(api, store)
    status, answer = await api("store/sync", raw=b'{"remote": ')
    assert (status, answer["code"]) == (400, "E_BAD_JSON")
    huge = json.dumps({"remote": "x" * (33 * 1024 * 1024)}).encode()
    status, answer = await api("store/sync", raw=huge)
    assert (status, answer["code"]) == (413, "E_BODY_TOO_LARGE")


async def test_no_remote_anywhere(api: Api, store: Path) -> None:
    await created(api, store)
    status, answer = await api("store/sync", {})
    assert (status, answer["code"]) == (409, "E_NO_REMOTE")


def project(root: Path, origin: str) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    with (root / ".git" / "config").open("a") as config:
        config.write(f'[remote "origin"]\n\turl = {origin}\n')


async def test_the_projects_origin_is_the_default_remote(
    api: Api, store: Path, jp_root_dir: Path, http: GitHttpServer
) -> None:
    store_git = await created(api, store)
    team, url = served(http)
    project(jp_root_dir, url)
    commit = experiment(store_git, REF, {"x": 1})
    status, answer = await api("store/sync", {})
    assert status == 200 and answer["pushed"] == 1, answer
    assert refs(team) == {REF: commit}


@pytest.mark.parametrize(
    ("origin", "code"),
    [
        ("ext::sh -c 'touch {marker}'", "E_REMOTE_INVALID"),
        ("--upload-pack=touch {marker}", "E_REMOTE_INVALID"),
        ("{outside}/team.git", "E_REMOTE_INVALID"),
        ("{root}/inside.git", "E_REMOTE_INVALID"),
        ("team:x", "E_REMOTE_INVALID"),
    ],
)
async def test_a_planted_origin_runs_nothing_and_reaches_nothing_outside(
    api: Api,
    store: Path,
    jp_root_dir: Path,
    outside: Path,
    origin: str,
    code: str,
) -> None:
    store_git = await created(api, store)
    marker = outside / "ran"
    bare(outside / "team.git")
    inside = bare(jp_root_dir / "inside.git")
    # Review F1: a repository whose own config runs a command when pushed to.
    git(inside, "config", "core.alternateRefsCommand", f"touch {marker}; true")
    project(jp_root_dir, origin.format(marker=marker, outside=outside, root=jp_root_dir))
    experiment(store_git, REF, {"x": 1})
    status, answer = await api("store/sync", {})
    assert answer["code"] == code, answer
    assert not marker.exists() and refs(outside / "team.git") == {} and refs(inside) == {}


@pytest.mark.parametrize(
    "plant",
    [
        "config: [core]\n\tsshCommand = touch {marker}\n",
        "config: [core]\n\thooksPath = {outside}\n",
        "objects/info/alternates: {outside}/team.git/objects\n",
        "commondir: {outside}/team.git\n",
    ],
)
async def test_a_store_from_elsewhere_is_not_synced(
    http: GitHttpServer, api: Api, store: Path, jp_root_dir: Path, outside: Path, plant: str
) -> None:
    store_git = await created(api, store)
    marker = outside / "ran"
    team, url = served(http)
    experiment(store_git, REF, {"x": 1})
    name, _, text = plant.partition(": ")
    target = store_git / name
    mode = "a" if name == "config" else "w"
    with target.open(mode) as handle:
        handle.write(text.format(marker=marker, outside=outside))
    status, answer = await api("store/sync", {"remote": url})
    assert (status, answer["code"]) == (403, "E_UNSAFE_REPOSITORY"), answer
    assert refs(team) == {} and not marker.exists()


async def test_a_store_not_created_yet_is_made_from_the_template_and_fetches(
    http: GitHttpServer, api: Api, store: Path, jp_root_dir: Path
) -> None:
    team, url = served(http)
    commit = experiment(team, REF, {"x": 1})
    status, answer = await api("store/sync", {"remote": url})
    assert status == 200 and (answer["fetched"], answer["pushed"]) == (1, 0), answer
    assert refs(store / "experiments.git") == {REF: commit}
    status, created = await api("store/init", {})
    assert created["configIsTemplate"] and not created["created"]


async def test_a_refused_remote_creates_nothing(api: Api, store: Path) -> None:
    status, answer = await api("store/sync", {"remote": "ext::sh"})
    assert answer["code"] == "E_REMOTE_INVALID"
    assert not store.exists()


async def test_refs_the_lab_never_writes_are_not_taken(
    http: GitHttpServer, api: Api, store: Path, jp_root_dir: Path
) -> None:
    store_git = await created(api, store)
    team, url = served(http)
    good = experiment(team, REF, {"x": 1})
    for name in (
        "refs/exps/UPPER/01JD0000000000000000000002",
        "refs/exps/nb/not-a-ulid",
        "refs/exps/nb/01JD0000000000000000000003/deeper",
        "refs/heads/main",
        # Review F5: names that would assemble a repository's shape here.
        "refs/exps/z/HEAD",
        "refs/exps/z/objects/x",
        "refs/exps/z/refs/x",
        "refs/exps/repo.git/x",
    ):
        experiment(team, name, {"planted": name})
    # An experiment's name pointing at a blob, not a commit.
    blob = git(team, "hash-object", "-w", "--stdin", stdin="not a commit").strip()
    git(team, "update-ref", "refs/exps/nb/01JD0000000000000000000012", blob)
    status, answer = await api("store/sync", {"remote": url})
    assert status == 200 and answer["fetched"] == 1, answer
    assert refs(store_git) == {REF: good}
    tracked = refs(store_git, "refs/")
    assert "refs/heads/main" not in tracked
    # Only experiment names are tracked (the blob's too, as what the remote has).
    assert {ref.rsplit("/", 2)[-2] for ref in tracked if ref.startswith("refs/sync/")} == {"nb"}
    assert not any(p.name in ("HEAD", "objects") for p in (store_git / "refs").rglob("*"))


async def test_a_remote_serving_a_broken_object_changes_nothing(
    http: GitHttpServer, api: Api, store: Path, jp_root_dir: Path
) -> None:
    store_git = await created(api, store)
    team, url = served(http)
    experiment(team, REF, {"x": 1})
    # A commit git itself would never write (a date that is not one): it packs,
    # but transfer.fsckObjects refuses it.
    tree = git(team, "mktree", stdin="").strip()
    broken = git(
        team,
        "hash-object",
        "-t",
        "commit",
        "--literally",
        "-w",
        "--stdin",
        stdin=f"tree {tree}\nauthor a <a> never +0000\ncommitter a <a> never +0000\n\nbad\n",
    ).strip()
    (team / "refs" / "exps" / "nb" / "01JD0000000000000000000009").write_text(broken + "\n")
    before = refs(store_git, "refs/")
    status, answer = await api("store/sync", {"remote": url})
    assert status == 502 and answer["code"] == "E_REMOTE_UNREACHABLE", answer
    assert refs(store_git, "refs/") == before


async def test_an_empty_store_and_an_empty_remote_sync_to_nothing(
    http: GitHttpServer, api: Api, store: Path, tmp_path: Path, jp_serverapp: Any
) -> None:
    """A team's very first Sync: nothing anywhere is not an error (over HTTP and
    over file://, where git's push of a glob matching nothing fails)."""
    await created(api, store)
    team, url = served(http)
    local = bare(tmp_path / "shared.git")
    jp_serverapp.web_app.settings["mlops"].experiments_remote = str(local)
    for body in ({"remote": url}, {}):
        status, answer = await api("store/sync", body)
        assert status == 200, answer
        assert (answer["pushed"], answer["fetched"], answer["upToDate"]) == (0, 0, 0)
    assert refs(team) == {} == refs(local)


@pytest.mark.parametrize(
    ("stderr", "code"),
    [
        pytest.param(
            "fatal: unable to access 'http://127.0.0.1:40193/a.git/': Failed to connect to "
            "127.0.0.1 port 40193 after 0 ms: Couldn't connect to server",
            "E_REMOTE_UNREACHABLE",
            id="port-like-401",
        ),
        pytest.param(
            "fatal: unable to access 'http://127.0.0.1:401/a.git/': Failed to connect to "
            "127.0.0.1 port 401 after 0 ms: Couldn't connect to server",
            "E_REMOTE_UNREACHABLE",
            id="port-401",
        ),
        pytest.param(
            "fatal: unable to access 'http://10.0.0.1:4031/a.git/': The requested URL "
            "returned error: 401",
            "E_REMOTE_AUTH",
            id="http-401",
        ),
        pytest.param(
            "error: RPC failed; HTTP 403 curl 22 The requested URL returned error: 403",
            "E_REMOTE_AUTH",
            id="http-403",
        ),
        pytest.param(
            "fatal: Authentication failed for 'http://h/a.git/'", "E_REMOTE_AUTH", id="auth"
        ),
        pytest.param("fatal: Could not resolve host: h403", "E_REMOTE_UNREACHABLE", id="host"),
    ],
)
def test_a_refusal_is_told_from_a_remote_down_by_git_s_words(stderr: str, code: str) -> None:
    # A port or host holding 401/403 is not an HTTP status (a random test
    # port, 40193, once made a remote that was down look like bad credentials).
    assert _remote_error("list the refs of", stderr, "http://h/a.git").code == code


async def test_a_local_origin_is_refused_with_words_that_say_which_and_what_to_do(
    api: Api, store: Path, jp_root_dir: Path, outside: Path
) -> None:
    """A clone of a folder has a local origin: the refusal names it and the settings."""
    await created(api, store)
    team = bare(outside / "team.git")
    project(jp_root_dir, str(team))
    status, answer = await api("store/sync", {})
    assert (status, answer["code"]) == (400, "E_REMOTE_INVALID"), answer
    message = answer["message"]
    assert message.startswith(f"The project's git origin ({team}) is a folder on this machine")
    assert "c.MlopsExtension.experiments_remote" in message and "“Sync remote”" in message
    status, answer = await api("store/sync", {"remote": team.as_uri()})
    assert answer["message"].startswith("The Experiments setting “Sync remote” (file://")
    assert refs(team) == {}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("file://alice:s3cr3t@localhost/srv/repo.git", "file://***@localhost/srv/repo.git"),
        ("/srv/team\u202egit.exe", "/srv/team\\u202egit.exe"),
        ("/srv/a\u2028b\u0085c", "/srv/a\\u2028b\\u0085c"),
    ],
)
def test_the_refusal_of_a_local_remote_shows_no_password_and_no_hidden_characters(
    url: str, shown: str
) -> None:
    with pytest.raises(MlopsError) as refused:
        check_remote(url, local=False, source="The project's git origin")
    assert refused.value.code == "E_REMOTE_INVALID"
    assert f"({shown})" in refused.value.message
    assert "s3cr3t" not in refused.value.message
