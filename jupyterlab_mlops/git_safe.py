"""git run safely on folders under the Jupyter root (the project's repository, the store's).

Anyone who can upload or unzip a folder under the root controls its
`.git/config` and `.gitattributes`, so git runs with an environment built
from scratch (nothing of the server's `GIT_*` leaks in) and with every
config key that could make it run a command overridden in the command-line
scope, which beats every config file. `GIT_OPTIONAL_LOCKS=0` keeps
`git status` from writing the index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .errors import MlopsError

TIMEOUT_S = 5

#: `GIT_CONFIG_COUNT` and `rev-parse --path-format` came in git 2.31. An
#: older git cannot be run safely: it counts as missing.
MIN_VERSION = (2, 31)

#: Overrides for every call. `git status` would reach the fsmonitor, a
#: hook (when it writes the index), the pager, submodules and, in a partial
#: clone, a fetch; the other keys keep a later change of command from
#: opening a hole.
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.untrackedCache", "false"),
    ("status.submoduleSummary", "false"),
    ("submodule.recurse", "false"),
    ("diff.external", ""),
    ("core.editor", ""),
    ("sequence.editor", ""),
    ("core.askPass", ""),
    ("core.sshCommand", ""),
    ("credential.helper", ""),
    ("gpg.program", ""),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    # A partial clone fetches missing objects from its promisor remote:
    # `remote.<name>.url = ext::<command>` or a local URL with
    # `remote.<name>.uploadpack = <command>`. GIT_ALLOW_PROTOCOL="" already
    # refuses every transport; these say it again in config.
    ("protocol.allow", "never"),
    *(
        (f"protocol.{name}.allow", "never")
        for name in ("file", "git", "ssh", "http", "https", "ext")
    ),
)

#: Keys under `<section>.<any name>.` that hold a command, and their
#: neutral value. git skips an empty filter command, and `required = false`
#: keeps a filter that is now empty from failing the status.
NAMED_COMMANDS: dict[str, dict[str, str]] = {
    "filter": {"clean": "", "smudge": "", "process": "", "required": "false"},
    "diff": {"textconv": "", "command": ""},
    "merge": {"driver": ""},
    "credential": {"helper": ""},
    "gpg": {"program": ""},
    "protocol": {"allow": "never"},
}

#: What git says when `safe.directory` refuses a repository (2.36+, 2.35.2).
REFUSALS = ("detected dubious ownership", "unsafe repository")


def named_overrides(listing: str) -> list[tuple[str, str]]:
    """Overrides for the command keys of every driver `git config -z --list` names.

    Driver names are arbitrary (`.gitattributes` picks them), so they are
    read from the config first; reading config runs nothing. The overrides
    go through `GIT_CONFIG_KEY_<n>`, not `-c`, because a name may hold `=`.
    """
    found: dict[str, str] = {}
    for entry in listing.split("\0"):
        key = entry.split("\n", 1)[0]
        section, _, rest = key.partition(".")
        name, _, _ = rest.rpartition(".")
        if name and section in NAMED_COMMANDS:
            for variable, value in NAMED_COMMANDS[section].items():
                found[f"{section}.{name}.{variable}"] = value
    return list(found.items())


def git_environment(root: Path, config: Iterable[tuple[str, str]]) -> dict[str, str]:
    """An environment for git built from scratch, with `config` in command-line scope.

    Of the server's variables only PATH, HOME and XDG_CONFIG_HOME (and
    SYSTEMROOT on Windows) are kept: the user's global config is theirs to
    trust and holds their `safe.directory` exceptions. PATH keeps its
    absolute entries only: a relative one would resolve inside the
    repository.
    """
    path = os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if os.path.isabs(entry)
    )
    env = {
        "PATH": path,
        "LC_ALL": "C",
        "GIT_CEILING_DIRECTORIES": str(root.parent),
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "",
        "GIT_PROTOCOL_FROM_USER": "0",
    }
    for name in ("HOME", "XDG_CONFIG_HOME", "SYSTEMROOT"):
        if name in os.environ:
            env[name] = os.environ[name]
    pairs = list(config)
    for index, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    return env


class SafeGit:
    """Runs git in one folder under the Jupyter root with the safe environment."""

    def __init__(self, git: str, folder: Path, root: Path) -> None:
        self.argv = [git, "--no-pager", "-C", str(folder)]
        self.root = root
        self.config: list[tuple[str, str]] = list(SAFE_CONFIG)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `git <args>`; `E_IO` when git cannot be started or times out."""
        try:
            return subprocess.run(
                [*self.argv, *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                encoding="utf-8",
                errors="surrogateescape",
                timeout=TIMEOUT_S,
                env=git_environment(self.root, self.config),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise MlopsError("E_IO", f"git did not answer: {err}") from None


def new_enough(version: str) -> bool:
    """Whether `git version` printed MIN_VERSION or later."""
    words = version.split()
    numbers = words[2].split(".")[:2] if len(words) > 2 else []
    if len(numbers) != 2 or not all(part.isdigit() for part in numbers):
        return False
    return (int(numbers[0]), int(numbers[1])) >= MIN_VERSION


def confined(root: Path, printed: str) -> bool:
    """Whether every path git printed, one a line, is in `root` (a realpath).

    Anything but the three lines we asked for (a path holding a newline)
    counts as outside.
    """
    lines = printed.split("\n")
    if lines[-1] == "":
        lines.pop()
    return len(lines) == 3 and all(
        Path(os.path.realpath(line)).is_relative_to(root) for line in lines
    )


def open_repository(folder: Path, root: Path) -> SafeGit | None:
    """A SafeGit on the repository holding `folder`, its command keys neutralised.

    `root` is the realpath of the Jupyter root, `folder` a realpath in it.
    None when git is missing (or older than 2.31), or `folder` is not in a
    repository at or under `root`; `E_UNSAFE_REPOSITORY` when git refuses
    the repository or its git dir, common dir or work tree is outside the root.
    """
    git_path = shutil.which("git")
    if git_path is None or not folder.is_dir():
        return None
    git = SafeGit(git_path, folder, root)
    if not new_enough(git.run("version").stdout):
        return None
    where = git.run(
        "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--show-toplevel"
    )
    if where.returncode != 0:
        if any(refusal in where.stderr for refusal in REFUSALS):
            raise MlopsError(
                "E_UNSAFE_REPOSITORY",
                "git refuses the repository holding this folder: it belongs to another"
                " user (see git's safe.directory)",
            )
        return None
    if not confined(root, where.stdout):
        raise MlopsError(
            "E_UNSAFE_REPOSITORY",
            "the repository holding this folder keeps its git data or work tree"
            " outside the Jupyter root",
        )
    listing = git.run("config", "-z", "--list")
    if listing.returncode != 0:
        raise MlopsError("E_IO", f"git config failed: {listing.stderr.strip()[:200]}")
    git.config += named_overrides(listing.stdout)
    return git


def project_origin(folder: Path, root: Path) -> str | None:
    """`remote.origin.url` of the repository holding `folder`, if any (read, never run)."""
    git = open_repository(folder, root)
    if git is None:
        return None
    found = git.run("config", "--get", "remote.origin.url")
    return found.stdout.strip() or None if found.returncode == 0 else None
