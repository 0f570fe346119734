"""Real git remotes for the Sync tests: bare repositories, and smart HTTP served by
`git http-backend` behind a small web server on 127.0.0.1 with basic auth."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

GIT = shutil.which("git") or "git"
IDENTITY = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@localhost",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@localhost",
}


def git(git_dir: Path, *args: str, stdin: str | None = None) -> str:
    """`git --git-dir=<git_dir> <args>`; its stdout (fails the test on an error)."""
    done = subprocess.run(
        [GIT, f"--git-dir={git_dir}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **IDENTITY},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def bare(path: Path) -> Path:
    """A new bare repository at `path`."""
    subprocess.run([GIT, "init", "-q", "--bare", str(path)], check=True)
    return path


def experiment(git_dir: Path, ref: str, manifest: dict[str, object], parent: str = "") -> str:
    """An experiment commit as the store holds one (manifest.json in its tree) on `ref`."""
    blob = git(git_dir, "hash-object", "-w", "--stdin", stdin=json.dumps(manifest)).strip()
    tree = git(git_dir, "mktree", stdin=f"100644 blob {blob}\tmanifest.json\n").strip()
    args = ["commit-tree", tree, "-m", f"experiment {ref}"]
    if parent:
        args += ["-p", parent]
    commit = git(git_dir, *args).strip()
    git(git_dir, "update-ref", ref, commit)
    return commit


def refs(git_dir: Path, prefix: str = "refs/exps/") -> dict[str, str]:
    """{ref: commit} under `prefix`."""
    listing = git(git_dir, "for-each-ref", "--format=%(refname) %(objectname)", prefix)
    return dict(line.split(" ", 1) for line in listing.splitlines())


def home_with_credentials(home: Path, url: str, user: str, password: str) -> Path:
    """A HOME whose git config names the `store` credential helper, holding one login."""
    home.mkdir(parents=True, exist_ok=True)
    secrets = home / ".git-credentials"
    scheme, rest = url.split("://", 1)
    secrets.write_text(f"{scheme}://{user}:{password}@{rest.split('/', 1)[0]}\n")
    secrets.chmod(0o600)
    (home / ".gitconfig").write_text(f"[credential]\n\thelper = store --file={secrets}\n")
    return home


class _Handler(http.server.BaseHTTPRequestHandler):
    """One request: basic auth, then `git http-backend` as a CGI program."""

    server: GitHttpServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        self.server.requests.append(format % args)

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def _user(self) -> str | None:
        if self.server.users is None:
            return "anonymous"  # a public remote
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        with contextlib.suppress(ValueError):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if self.server.users.get(user) == password:
                return user
        return None

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        body = self._body()
        user = self._user()
        if user is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        pushing = path.endswith("/git-receive-pack") or "service=git-receive-pack" in query
        if pushing and user in self.server.read_only:
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GIT_PROJECT_ROOT": str(self.server.project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        }
        for header in ("Content-Encoding", "Git-Protocol"):
            if self.headers.get(header):
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        done = subprocess.run(
            [GIT, "http-backend"], input=body, capture_output=True, env=env, check=False
        )
        head, separator, rest = done.stdout.partition(b"\r\n\r\n")
        if done.returncode != 0 or not separator:
            # No CGI answer (git failed): a 502 naming why, not an empty 200
            # that git would read as a dumb remote with no refs.
            self.send_response(502)
            self.send_header("Content-Length", str(len(done.stderr)))
            self.end_headers()
            self.wfile.write(done.stderr)
            return
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)


class GitHttpServer(http.server.ThreadingHTTPServer):
    """Smart HTTP for the bare repositories under `project_root`, users by password."""

    def __init__(
        self,
        project_root: Path,
        users: dict[str, str] | None,
        read_only: set[str] | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        # A connection the client dropped between the server's select and
        # its accept would block accept, and with it shutdown(), for ever:
        # non-blocking, that accept fails and serve_forever goes on.
        self.socket.setblocking(False)
        self.project_root = project_root
        self.users = users
        self.read_only = read_only or set()
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def serving(
    project_root: Path, users: dict[str, str] | None = None, read_only: set[str] | None = None
) -> Iterator[GitHttpServer]:
    """A GitHttpServer running on a thread for the `with` block."""
    server = GitHttpServer(project_root, users, read_only)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
