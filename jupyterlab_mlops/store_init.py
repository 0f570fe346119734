"""Creation of the store's repository from a fixed template (`POST /mlops/store/init`).

The file routes refuse to write a git directory's `config`, `HEAD`, hooks
and the like (`store_layout`): the repository is set up here, once, by the
server, with a config that holds nothing git acts on. What exists is left
alone (init is idempotent and never replaces a file), like `git init` on an
existing repository.
"""

from __future__ import annotations

from typing import Any

from . import store_fs, store_write
from .errors import MlopsError
from .paths import Store
from .store_layout import GIT_DIR

#: The whole config of a store we create: nothing in it runs a command.
CONFIG_TEMPLATE = (
    "[core]\n"
    "\trepositoryformatversion = 0\n"
    "\tfilemode = false\n"
    "\tbare = true\n"
    "\tlogallrefupdates = false\n"
)
HEAD_TEMPLATE = "ref: refs/heads/main\n"
_FOLDERS = ("objects/info", "objects/pack", "refs/heads", "refs/tags")
#: What points git at another config than the repository's own.
_OTHER_CONFIG = ("commondir", "gitdir", "config.worktree")


def _missing(make: Any) -> bool:
    """Run `make`; True if it created something, False if it was there already."""
    try:
        make()
    except MlopsError as err:
        if err.code != "E_EXISTS":
            raise
        return False
    return True


def _write_once(store: Store, path: str, text: str) -> bool:
    """Write `path` unless something is there (checked first: a refused
    exclusive write would still touch the folder's mtime)."""
    try:
        store_fs.stat_path(store, path, follow=False)
        return False
    except MlopsError as err:
        if err.code != "E_NOT_FOUND":
            raise
    return _missing(lambda: store_write.write(store, path, text.encode(), exclusive=True))


def init_store(store: Store) -> dict[str, Any]:
    """Create `<store>/experiments.git` (bare) where it is missing; report what was made.

    `created` is true when this call wrote the repository's HEAD (a new
    repository); `configIsTemplate` says whether the config on disk is ours
    (a store unzipped or copied from elsewhere may carry another).
    """
    for folder in _FOLDERS:
        _missing(
            lambda folder=folder: store_write.mkdir(store, f"{GIT_DIR}/{folder}", parents=True)
        )
    _write_once(store, f"{GIT_DIR}/config", CONFIG_TEMPLATE)
    created = _write_once(store, f"{GIT_DIR}/HEAD", HEAD_TEMPLATE)
    return {"gitDir": GIT_DIR, "created": created, "configIsTemplate": config_is_template(store)}


def config_is_template(store: Store) -> bool:
    """Whether git reads only our template as the store repository's own config.

    A config that is a symlink (to a file the file routes may change) is
    not ours, whatever it says today; files that make git read a config
    other than ours count too.
    """
    try:
        info = store_fs.stat_path(store, f"{GIT_DIR}/config", follow=False)
    except MlopsError as err:
        if err.code == "E_NOT_FOUND":
            return False
        raise
    config = store_fs.read(store, f"{GIT_DIR}/config") if info["type"] == "file" else b""
    return config == CONFIG_TEMPLATE.encode() and not any(
        _exists(store, f"{GIT_DIR}/{name}") for name in _OTHER_CONFIG
    )


def _exists(store: Store, path: str) -> bool:
    try:
        store_fs.stat_path(store, path, follow=False)
    except MlopsError as err:
        if err.code == "E_NOT_FOUND":
            return False
        raise
    return True
