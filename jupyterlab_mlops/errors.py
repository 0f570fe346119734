"""Error type shared by every bridge module, with the codes of docs/bridge.md."""

from __future__ import annotations

import errno

#: Every error code the bridge answers with, and its HTTP status.
STATUS: dict[str, int] = {
    "E_BAD_JSON": 400,
    "E_BAD_REQUEST": 400,
    "E_PATH_INVALID": 400,
    "E_PATH_TOO_LONG": 400,
    "E_STORE_ROOT": 400,
    "E_PIPELINE_INVALID": 400,
    "E_PARAM_INVALID": 400,
    "E_MODEL_INVALID": 400,
    "E_PATH_OUTSIDE_ROOT": 403,
    "E_PATH_NOT_WRITABLE": 403,
    "E_UNSAFE_REPOSITORY": 403,
    "E_READ_ONLY": 403,
    "E_NOT_FOUND": 404,
    "E_JOB_NOT_FOUND": 404,
    "E_EXPORT_NOT_FOUND": 404,
    "E_RUN_NOT_FOUND": 404,
    "E_EXISTS": 409,
    "E_NOT_A_DIRECTORY": 409,
    "E_IS_A_DIRECTORY": 409,
    "E_NOT_EMPTY": 409,
    "E_LOCKED": 409,
    "E_LOCK_NOT_HELD": 409,
    "E_REF_CHANGED": 409,
    "E_EXPORT_MISMATCH": 409,
    "E_RUN_ACTIVE": 409,
    "E_RUN_FINISHED": 409,
    "E_NAME_COLLISION": 409,
    "E_REGISTRY_CORRUPT": 409,
    "E_NOT_CONFIRMED": 409,
    "E_PREFLIGHT_FAILED": 409,
    "E_SERVING_FAILED": 502,
    "E_MLFLOW_UNCONFIGURED": 409,
    "E_NO_REMOTE": 409,
    "E_REMOTE_INVALID": 400,
    "E_REMOTE_REJECTED": 409,
    "E_REMOTE_UNREACHABLE": 502,
    "E_REMOTE_AUTH": 502,
    "E_BODY_TOO_LARGE": 413,
    "E_ANSWER_TOO_LARGE": 413,
    "E_TOO_MANY_FILES": 413,
    "E_BUSY": 429,
    "E_IO": 500,
    "E_INTERNAL": 500,
    "E_NO_SPACE": 507,
}

_ERRNO_CODES: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("E_NOT_FOUND", "no such file or folder"),
    errno.EEXIST: ("E_EXISTS", "already exists"),
    errno.ENOTDIR: ("E_NOT_A_DIRECTORY", "not a folder"),
    errno.EISDIR: ("E_IS_A_DIRECTORY", "is a folder"),
    errno.ENOTEMPTY: ("E_NOT_EMPTY", "folder is not empty"),
    errno.ENAMETOOLONG: ("E_PATH_TOO_LONG", "name too long"),
    # A symlink where the confinement check saw none: it was swapped in after
    # the check, or it loops. Either way we refuse to go through it.
    errno.ELOOP: ("E_PATH_OUTSIDE_ROOT", "symbolic link in the way"),
    # Whatever the operation: a full disk or quota, a read-only mount.
    errno.ENOSPC: ("E_NO_SPACE", "no space left on the device holding the store"),
    # EDQUOT is missing from Windows' errno; -1 matches no error there.
    getattr(errno, "EDQUOT", -1): (
        "E_NO_SPACE",
        "disk quota exceeded on the device holding the store",
    ),
    errno.EROFS: ("E_READ_ONLY", "the store is on a read-only file system"),
}

#: Permission errors mean "read-only" only when the operation writes: a
#: read refused by permissions stays E_IO (the store is not ours to fix).
_WRITE_ERRNO_CODES: dict[int, tuple[str, str]] = {
    errno.EACCES: ("E_READ_ONLY", "no permission to write in the store"),
    errno.EPERM: ("E_READ_ONLY", "operation not permitted in the store"),
}


class MlopsError(Exception):
    """An error the bridge answers with: a literal `code`, a message, an HTTP status.

    The status defaults to the one docs/bridge.md gives the code.
    """

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS.get(code, 500)

    def to_json(self) -> dict[str, str]:
        """Return the JSON body of the error response, `{code, message}`."""
        return {"code": self.code, "message": self.message}


def from_os_error(exc: OSError, path: str, *, writing: bool = False) -> MlopsError:
    """Translate an OSError into the bridge's error for the client path `path`.

    `writing` says the operation changes the store (write, mkdir, rm, lock,
    unlock): then EACCES/EPERM are `E_READ_ONLY` too. The message names the
    client's path, never the server's absolute path.
    """
    table = {**_ERRNO_CODES, **_WRITE_ERRNO_CODES} if writing else _ERRNO_CODES
    if exc.errno is not None and exc.errno in table:
        code, text = table[exc.errno]
        return MlopsError(code, f"{text}: {path!r}")
    name = errno.errorcode.get(exc.errno or 0, "EUNKNOWN")
    return MlopsError("E_IO", f"{name} ({exc.strerror or exc}) on {path!r}")
