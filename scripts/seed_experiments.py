"""Write N realistic experiments into an experiment store with `git fast-import`.

Used by the galata tests (a panel with 50 experiments) and the panel
benchmark (10,000 experiments). Each experiment is what a snapshot writes:
one commit on `refs/exps/<notebook-slug>/<ULID>` holding `manifest.json`
(schema version 1), `notebook.ipynb` and `requirements.txt`. Names,
parameters, metrics, tags and stars vary; the run is deterministic for a
given seed.

    python scripts/seed_experiments.py STORE_DIR --count 50 \
        --notebook examples/wine_classifier.ipynb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jupyterlab_mlops.store_init import CONFIG_TEMPLATE

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ADJECTIVES = ["brave", "calm", "eager", "gentle", "quick", "quiet", "bold", "sunny", "wise", "keen"]
ANIMALS = ["otter", "heron", "lynx", "marten", "ibis", "badger", "wren", "koala", "orca", "tapir"]


def notebook_slug(path: str) -> str:
    """The slug of a notebook path, as `notebookSlug` in src/util/ids.ts."""
    base = re.sub(r"\.ipynb$", "", path, flags=re.IGNORECASE).lower()
    base = unicodedata.normalize("NFKD", base)
    base = re.sub(r"[^a-z0-9]+", "-", base).strip("-")[:48].rstrip("-")
    digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]
    return f"{base or 'notebook'}-{digest}"


def ulid(time_ms: int, rng: random.Random) -> str:
    out = ""
    for _ in range(10):
        out = CROCKFORD[time_ms % 32] + out
        time_ms //= 32
    return out + "".join(rng.choice(CROCKFORD) for _ in range(16))


def experiment(i: int, count: int, path: str, rng: random.Random, start: datetime):
    created = start + timedelta(minutes=37 * i)
    depth = rng.randint(2, 12)
    trees = rng.choice([50, 100, 200, 400])
    accuracy = round(min(0.999, 0.82 + 0.012 * depth + rng.uniform(-0.03, 0.03)), 4)
    exp_id = ulid(int(created.timestamp() * 1000), rng)
    tags = [tag for tag in ("baseline", "tuned", "gpu") if rng.random() < 0.2]
    cells = [
        {"cell_type": "code", "source": f"max_depth = {depth}\nn_estimators = {trees}"},
        {"cell_type": "code", "source": f"accuracy = {accuracy}"},
    ]
    cell_hashes = [hashlib.sha256(c["source"].encode()).hexdigest() for c in cells]
    manifest = {
        "schemaVersion": 1,
        "id": exp_id,
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "notebook": {
            "path": path,
            "slug": notebook_slug(path),
            "contentHash": hashlib.sha256("".join(cell_hashes).encode()).hexdigest(),
            "cellHashes": cell_hashes,
            "kernelName": "python3",
        },
        "parameters": {"max_depth": depth, "n_estimators": trees, "criterion": "gini"},
        "metrics": {"accuracy": accuracy, "f1_macro": round(accuracy - 0.01, 4)},
        "data": [],
        "environment": {
            "python": "3.11.7",
            "platform": "Linux-x86_64",
            "packages": {"numpy": "2.1.0", "scikit-learn": "1.5.2"},
        },
        "health": {"kernel": "live", "outOfOrder": False, "editedAfterRun": [], "neverRun": []},
        "code": None,
        "user": {
            "name": f"{rng.choice(ADJECTIVES)}-{rng.choice(ANIMALS)}-{i + 1}",
            "tags": tags,
            "starred": rng.random() < 0.1,
            "note": "",
            "parent": None,
        },
    }
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": k + 1,
                "id": f"cell-{k}",
                "metadata": {},
                "outputs": [],
                "source": c["source"],
            }
            for k, c in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return manifest, notebook, created


def fast_import_stream(
    count: int, path: str, seed: int, start: datetime, out: list[dict] | None = None
) -> bytes:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    slug = notebook_slug(path)
    chunks: list[bytes] = []

    def data(payload: bytes) -> None:
        chunks.append(b"data %d\n" % len(payload))
        chunks.append(payload)
        chunks.append(b"\n")

    requirements = b"numpy==2.1.0\nscikit-learn==1.5.2\n"
    chunks.append(b"blob\nmark :1\n")
    data(requirements)
    for i in range(count):
        manifest, notebook, created = experiment(i, count, path, rng, start)
        ref = f"refs/exps/{slug}/{manifest['id']}"
        if out is not None:
            out.append({"ref": ref, **manifest})
        when = int(created.timestamp())
        message = f"Experiment {manifest['user']['name']}".encode()
        chunks.append(f"commit {ref}\n".encode())
        chunks.append(f"committer jupyterlab-mlops <mlops@localhost> {when} +0000\n".encode())
        data(message)
        for name, payload in (
            ("manifest.json", json.dumps(manifest, indent=2).encode() + b"\n"),
            ("notebook.ipynb", json.dumps(notebook, indent=1).encode() + b"\n"),
        ):
            chunks.append(f"M 100644 inline {name}\n".encode())
            data(payload)
        chunks.append(b"M 100644 :1 requirements.txt\n\n")
    return b"".join(chunks)


def seed(store: Path, count: int, notebook: str, seed_value: int = 1) -> list[dict]:
    """Write `count` experiments into `store/experiments.git`; return their manifests
    (with their `ref`)."""
    gitdir = store / "experiments.git"
    if not (gitdir / "HEAD").exists():
        subprocess.run(["git", "init", "--quiet", "--bare", str(gitdir)], check=True)
        # The config the server writes for a store (store_init): the server
        # runs git on a store only when its config is that template.
        (gitdir / "config").write_text(CONFIG_TEMPLATE)
    refs: list[dict] = []
    start = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
    stream = fast_import_stream(count, notebook, seed_value, start, refs)
    subprocess.run(
        ["git", "--git-dir", str(gitdir), "fast-import", "--quiet"],
        input=stream,
        check=True,
    )
    # fast-import writes a pack; the panel reads loose objects fastest, and
    # that is what isomorphic-git writes, so unpack to match a real store.
    # unpack-objects skips objects the repository has, so the pack leaves
    # the repository first.
    packs = sorted((gitdir / "objects" / "pack").glob("*.pack"))
    for pack in packs:
        data = pack.read_bytes()
        for suffix in (".pack", ".idx", ".rev", ".keep"):
            pack.with_suffix(suffix).unlink(missing_ok=True)
        subprocess.run(
            ["git", "--git-dir", str(gitdir), "unpack-objects", "-q"],
            input=data,
            check=True,
        )
    return refs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="the store folder (holds experiments.git)")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--notebook", default="examples/wine_classifier.ipynb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the manifests as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.count <= 1_000_000:
        parser.error("--count is between 1 and 1,000,000")
    written = seed(args.store, args.count, args.notebook, args.seed)
    if args.json:
        json.dump(written, sys.stdout)
    else:
        print(f"{len(written)} experiments in {args.store / 'experiments.git'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
