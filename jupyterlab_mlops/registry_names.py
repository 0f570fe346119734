"""Names in the local model registry: models, aliases, tags, and the folders they map to.

A model's name is free text, as in MLflow (`Wine classifier`, `客户流失`),
normalised to Unicode NFKC; it never becomes a path. Its folder under
`registry/models/` is `model_key(name)`: an ASCII slug of the name and 16
hex digits of the SHA-256 of its *folded* form (NFKC, case-folded,
NFKC again). So `..`, `/etc/passwd`, NUL or a right-to-left override can
never escape or confuse the registry folder, and two names that fold alike
(`Wine` and `ＷＩＮＥ`) are one model: registering the second is
`E_NAME_COLLISION`, naming the first. Look-alikes from other scripts
(Cyrillic `а` for Latin `a`) fold differently: they are distinct models,
always shown as text, never as markup.

Aliases follow MLflow's rules (letters, digits, `_` and `-`; not `latest`,
not `v<number>`, which MLflow reserves); tags are MLflow-sized strings.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from .errors import MlopsError

MAX_NAME = 128
MAX_DESCRIPTION = 64 * 1024
MAX_TAGS = 100
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000
ALIAS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}")
_RESERVED_ALIAS = re.compile(r"latest|v[0-9]+", re.IGNORECASE)
#: A model's folder: slug, `-`, 16 hex digits.
MODEL_KEY = re.compile(r"[a-z0-9-]{0,40}-[0-9a-f]{16}")
#: Unicode categories a name may not hold: controls, formats (bidi
#: overrides, zero-width joiners), separators other than the plain space,
#: surrogates, private use, unassigned.
_BANNED = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _folded(name: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def check_model_name(value: object) -> str:
    """A model name, NFKC-normalised; `E_BAD_REQUEST` when it cannot be one."""
    if not isinstance(value, str):
        raise MlopsError("E_BAD_REQUEST", "a model name must be a string")
    name = unicodedata.normalize("NFKC", value)
    shown = repr(name[:80])
    if not name.strip() or name != name.strip():
        raise MlopsError("E_BAD_REQUEST", f"model name {shown}: empty, or spaces at an end")
    if len(name) > MAX_NAME:
        raise MlopsError("E_BAD_REQUEST", f"a model name has at most {MAX_NAME} characters")
    for ch in name:
        if unicodedata.category(ch) in _BANNED or (ch.isspace() and ch != " "):
            raise MlopsError(
                "E_BAD_REQUEST",
                f"model name {shown}: U+{ord(ch):04X} is not allowed (control, format or"
                " invisible character)",
            )
    if name in (".", "..") or "/" in name or "\\" in name:
        raise MlopsError("E_BAD_REQUEST", f"model name {shown}: no '/', '\\\\', '.' or '..'")
    return name


def model_key(name: str) -> str:
    """The folder of model `name` (checked): a slug and a hash of its folded form."""
    folded = _folded(name)
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    digest = hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]
    return f"{slug[:40].strip('-')}-{digest}"


def check_alias(value: object) -> str:
    """An alias as MLflow takes them; `E_BAD_REQUEST` otherwise."""
    if not isinstance(value, str) or not ALIAS.fullmatch(value):
        shown = value[:80] if isinstance(value, str) else value
        raise MlopsError(
            "E_BAD_REQUEST",
            f"alias {shown!r}: 1-63 letters, digits, '_' or '-' (not starting with '-')",
        )
    if _RESERVED_ALIAS.fullmatch(value):
        raise MlopsError("E_BAD_REQUEST", f"alias {value!r} is reserved (latest, v<number>)")
    return value


def check_description(value: object) -> str:
    """A description: any text up to `MAX_DESCRIPTION` characters, no NUL."""
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_DESCRIPTION:
        raise MlopsError(
            "E_BAD_REQUEST", f"description: a string of at most {MAX_DESCRIPTION} characters"
        )
    return value


def check_tags(value: object) -> dict[str, str]:
    """Tags: at most `MAX_TAGS` string → string, MLflow's sizes, no NUL."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_TAGS:
        raise MlopsError("E_BAD_REQUEST", f"tags: an object of at most {MAX_TAGS} entries")
    tags: dict[str, Any] = {}
    for key, text in value.items():
        fine = (
            isinstance(key, str)
            and 0 < len(key) <= MAX_TAG_KEY
            and isinstance(text, str)
            and len(text) <= MAX_TAG_VALUE
            and "\x00" not in key + text
        )
        if not fine:
            raise MlopsError(
                "E_BAD_REQUEST",
                f"tag {str(key)[:80]!r}: a key of 1-{MAX_TAG_KEY} and a value of at most"
                f" {MAX_TAG_VALUE} characters, no NUL",
            )
        tags[key] = text
    return tags
