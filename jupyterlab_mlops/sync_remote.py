"""Which git remote a store syncs with, checked before git ever sees it.

The remote comes from, in order: the request (the lab's `syncRemote`
setting), the server's `c.MlopsExtension.experiments_remote`, the project
repository's own `origin`. The request and `origin` are not the server
admin's word (a cloned project's config is anyone's), so they may name only
network remotes (`https`, `http`, `ssh`, `git`, scp-like `host:path`) or a
local repository inside the Jupyter root; the server's setting may also name
a local path anywhere (a team folder). No remote may pick a transport that
runs a command (`ext::`, `fd::`, any `<transport>::`) or look like an option.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from .errors import MlopsError

MAX_URL = 2048
NETWORK_SCHEMES = ("https", "http", "ssh", "git")
#: `[user@]host:path` as git reads it: a colon before any slash.
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~%+-]+@)?[A-Za-z0-9.-]+:(?!//)[^\s]*$")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


def redact(text: str) -> str:
    """`text` with the user and password of every URL in it replaced by `***`."""
    return _USERINFO.sub(lambda match: f"{match['scheme']}***@", text)


def _invalid(why: str) -> MlopsError:
    return MlopsError("E_REMOTE_INVALID", why)


def check_remote(url: str, root: Path, *, anywhere: bool) -> str:
    """`url` as git is given it, or `E_REMOTE_INVALID`.

    `anywhere`: a local repository may lie outside the Jupyter root (the
    server's own setting). A local path becomes a `file://` URL of its
    realpath, so a symlink cannot lead out of the root after the check.
    """
    if not url or len(url) > MAX_URL:
        raise _invalid(f"a remote is 1 to {MAX_URL} characters")
    if "::" in url:
        raise _invalid("remote helpers (`<transport>::address`) are not allowed")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url) or url[0] in "-" or " " in url:
        raise _invalid("a remote has no control characters or spaces and does not start with '-'")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in NETWORK_SCHEMES:
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname:
            raise _invalid("the remote names no host")
        return url
    if scheme == "file" or (not scheme and (url.startswith("/") or url.startswith("."))):
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path) if scheme else url
        if not os.path.isabs(path):
            raise _invalid("a local remote is an absolute path or a file:// URL")
        real = Path(os.path.realpath(path))
        if not anywhere and not real.is_relative_to(root):
            raise MlopsError(
                "E_PATH_OUTSIDE_ROOT",
                "a local remote set in the lab must be inside the Jupyter root"
                " (the server's c.MlopsExtension.experiments_remote may name any folder)",
            )
        return real.as_uri()
    if not scheme and _SCP_LIKE.match(url):
        return url
    raise _invalid(
        "a remote is an https, http, ssh or git URL, host:path, or a local repository"
        " (file:// or an absolute path)"
    )


def choose_remote(asked: str, configured: str, origin: str | None, root: Path) -> str:
    """The URL to sync with (see the module's docstring); `E_NO_REMOTE` if there is none."""
    if asked:
        return check_remote(asked, root, anywhere=False)
    if configured:
        return check_remote(configured, root, anywhere=True)
    if origin:
        return check_remote(origin, root, anywhere=False)
    raise MlopsError(
        "E_NO_REMOTE",
        "no remote to sync with: set one in the Experiments settings (Sync remote), in"
        " c.MlopsExtension.experiments_remote, or give the project repository an origin",
    )
