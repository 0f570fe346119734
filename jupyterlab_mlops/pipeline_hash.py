"""A notebook's content hash, exactly as the frontend computes it.

`notebookContentHash(readCells(notebook))` in src/notebook/health.ts and
src/notebook/cells.ts: SHA-256 (hex) of `JSON.stringify` of
`[[cellType, source], …]`, reading cells as leniently as the frontend's zod
schema does (a cell that is not an object is an empty code cell, a
`cell_type` that is not a string is `code`, `source` a string or a list of
strings joined, else `""`; no `cells` list is no cells). Outputs and
execution counts do not count. An export's `pipeline.json` keeps the hash
of the notebook it was made from (`notebook.contentHash`), so
`jupyter mlops check` and the lab can tell a stale export.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: A UTF-16 surrogate left alone in a string (JSON.stringify escapes it).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _cell(item: Any) -> tuple[str, str]:
    if not isinstance(item, dict):
        return "code", ""
    kind = item.get("cell_type")
    source = item.get("source")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    return (
        kind if isinstance(kind, str) else "code",
        source if isinstance(source, str) else "",
    )


def notebook_cells(notebook: Any) -> list[tuple[str, str]]:
    """(cell type, source) of each cell of nbformat JSON, read like `readCells`."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return []
    return [_cell(item) for item in notebook["cells"]]


def _js_stringify(value: Any) -> str:
    """`JSON.stringify` of lists of strings: the same escapes, the same bytes.

    Python escapes what JavaScript escapes (quote, backslash, control
    characters, lower-case hex) except UTF-16 surrogates: a pair (two
    strings of a list joined) is one character in JavaScript, and a lone
    one is written as `\\udxxx`.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    paired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", paired)


def notebook_content_hash(notebook: Any) -> str:
    """SHA-256 (hex) of the notebook's cell types and sources, as the lab has it."""
    cells = [[kind, source] for kind, source in notebook_cells(notebook)]
    return hashlib.sha256(_js_stringify(cells).encode("utf-8")).hexdigest()
