"""Which git remote a store syncs with, checked before git ever sees it.

The remote comes from, in order: the request (the lab's `syncRemote`
setting), the server's `c.MlopsExtension.experiments_remote`, the project
repository's own `origin`. The request and `origin` are not the server
admin's word (a cloned project's config is anyone's), so they may name only
network remotes (`https`, `http`, `ssh`, `git`, scp-like `host:path`): for
a local repository git starts `receive-pack`/`upload-pack` inside it, with
that repository's own config and hooks, and follows its `.git` file,
`commondir` and alternates, so a local repository is a remote only when the
server's own setting names it. No remote may pick a transport that runs a
command (`ext::`, `fd::`, any `<transport>::`), look like an option, or be
a bare word git would read as a remote's nickname (`$GIT_DIR/remotes/`).
A user and password in a URL must be percent-encoded (an `@` or `/` in
them would make git and us read the host differently).
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
import urllib.parse
from pathlib import Path

from .errors import MlopsError

MAX_URL = 2048
NETWORK_SCHEMES = ("https", "http", "ssh", "git")
#: `[user@]host:path` as git reads it: a colon before any slash.
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~%+-]+@)?[A-Za-z0-9.-]+:(?!//)[^\s]*$")
#: git's `<transport>::<address>` (a remote helper runs a command).
_HELPER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


def redact(text: str, url: str = "") -> str:
    """`text` with the user and password of every URL in it replaced by `***`.

    With `url`, its userinfo's parts (decoded too) are removed wherever they
    appear, whatever git made of the URL in its message.
    """
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return _USERINFO.sub(lambda match: f"{match['scheme']}***@", text)


def _secrets(url: str) -> list[str]:
    """The user:password and password of `url` (raw and decoded), longest first."""
    if "://" not in url:
        return []
    authority = url.split("://", 1)[1].split("/", 1)[0]
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    found = {userinfo, urllib.parse.unquote(userinfo)}
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        found |= {password, urllib.parse.unquote(password)}
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def tracking_key_url(url: str) -> str:
    """`url` as one remote however it is spelled: no userinfo, lowercase scheme
    and host, no default port, no trailing `/` or `.git`."""
    text = url
    if "://" in url:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        default = {"https": 443, "http": 80, "ssh": 22, "git": 9418}.get(parts.scheme.lower())
        port = f":{parts.port}" if parts.port and parts.port != default else ""
        path = posixpath.normpath(re.sub("/+", "/", parts.path)) if parts.path else ""
        text = f"{parts.scheme.lower()}://{host}{port}{path}"
    elif _SCP_LIKE.match(url):
        # `user@host:path` is the same remote for any user.
        text = url.split("@", 1)[1] if "@" in url.split(":", 1)[0] else url
    text = text.rstrip("/")
    return text[:-4] if text.endswith(".git") else text


def _printable(text: str) -> str:
    """`text` with what is not printable (controls, bidi overrides, line
    separators) shown as `\\uXXXX`, so a message says what it names."""
    return "".join(
        char if char.isprintable() and unicodedata.category(char) != "Cf" else f"\\u{ord(char):04x}"
        for char in text
    )


def _invalid(why: str) -> MlopsError:
    return MlopsError("E_REMOTE_INVALID", why)


def check_remote(url: str, *, local: bool, source: str = "the remote") -> str:
    """`url` as git is given it, or `E_REMOTE_INVALID`.

    `local`: a local repository may be the remote (the server's own
    setting); it becomes a `file://` URL of its realpath. `source` names
    where the URL came from, for the message that refuses a local one.
    """
    if not url or len(url) > MAX_URL:
        raise _invalid(f"a remote is 1 to {MAX_URL} characters")
    if _HELPER.match(url):
        raise _invalid("remote helpers (`<transport>::address`) are not allowed")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url) or url[0] in "-" or " " in url:
        raise _invalid("a remote has no control characters or spaces and does not start with '-'")
    if "/" not in url:
        raise _invalid("a remote holds a '/' (a bare word is read as a remote's nickname)")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in NETWORK_SCHEMES:
        authority = url.split("://", 1)[1].split("/", 1)[0]
        if authority.count("@") > 1 or "@" in url.split("://", 1)[1][len(authority) :]:
            raise _invalid(
                "percent-encode an '@' or '/' in the remote's user or password (%40, %2F)"
            )
        try:
            parts = urllib.parse.urlsplit(url)
            host, _ = parts.hostname, parts.port
        except ValueError:
            raise _invalid("the remote's host or port is not valid") from None
        if not host:
            raise _invalid("the remote names no host")
        return url
    if scheme == "file" or (not scheme and url.startswith(("/", "."))):
        if not local:
            shown = _printable(redact(url, url))
            shown = shown if len(shown) <= 200 else shown[:199] + "…"
            raise _invalid(
                f"{source} ({shown}) is a folder on this machine. Sync uses a local"
                " repository only when the server's setting"
                " c.MlopsExtension.experiments_remote names it; otherwise set a network"
                " remote (https or ssh) in the Experiments setting “Sync remote”"
            )
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path) if scheme else url
        if not os.path.isabs(path):
            raise _invalid("a local remote is an absolute path or a file:// URL")
        return Path(os.path.realpath(path)).as_uri()
    if not scheme and _SCP_LIKE.match(url):
        return url
    raise _invalid(
        "a remote is an https, http, ssh or git URL, host:path, or (in the server's"
        " setting only) a local repository"
    )


def choose_remote(asked: str, configured: str, origin: str | None) -> str:
    """The URL to sync with (see the module's docstring); `E_NO_REMOTE` if there is none."""
    if asked:
        return check_remote(asked, local=False, source="The Experiments setting “Sync remote”")
    if configured:
        return check_remote(configured, local=True)
    if origin:
        return check_remote(origin, local=False, source="The project's git origin")
    raise MlopsError(
        "E_NO_REMOTE",
        "no remote to sync with: set one in the Experiments settings (Sync remote), in"
        " c.MlopsExtension.experiments_remote, or give the project repository an origin",
    )
