"""Write a heavy notebook: many cells, and image outputs of a given total size.

Used by the heavy-snapshot benchmark (ui-tests/bench/heavy.bench.ts) and the
server-memory test. The images are real PNGs of random pixels (stored
deflate blocks, so they do not compress: the worst case for a snapshot),
spread over the code cells; every code cell has run, in order, and prints
a metric. Deterministic for a given seed.

    python scripts/heavy_notebook.py OUT.ipynb --cells 300 --image-mib 20
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import struct
import zlib
from pathlib import Path

IMAGE_SIDE = 400  # 400 x 400 RGB: 480,000 bytes of pixels per image


def png(rng: random.Random, side: int) -> bytes:
    """A valid PNG of random RGB pixels, its image data stored uncompressed."""
    rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def heavy_notebook(cells: int, image_mib: float, seed: int = 1) -> dict:
    """The notebook as nbformat 4 JSON."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    images = max(1, round(image_mib * 1024 * 1024 / (IMAGE_SIDE * IMAGE_SIDE * 3)))
    code_cells = cells - cells // 4
    every = max(1, code_cells // images)
    out: list[dict] = [
        {
            "cell_type": "code",
            "id": "parameters",
            "metadata": {"tags": ["parameters"]},
            "source": "alpha = 0.5\nepochs = 10\n",
            "execution_count": 1,
            "outputs": [],
        }
    ]
    count = 1
    drawn = 0
    for index in range(1, cells):
        if index % 4 == 0:
            out.append(
                {
                    "cell_type": "markdown",
                    "id": f"md-{index}",
                    "metadata": {},
                    "source": f"## Step {index}\n\nWhat this step does, in a few words.",
                }
            )
            continue
        count += 1
        outputs: list[dict] = [
            {
                "name": "stdout",
                "output_type": "stream",
                "text": f"loss_{index} = {rng.random():.4f}\n",
            }
        ]
        if drawn < images and count % every == 0:
            drawn += 1
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "image/png": base64.b64encode(png(rng, IMAGE_SIDE)).decode("ascii"),
                        "text/plain": "<Figure size 400x400 with 1 Axes>",
                    },
                }
            )
        out.append(
            {
                "cell_type": "code",
                "id": f"code-{index}",
                "metadata": {},
                "source": (
                    f"x_{index} = alpha * {index}\nprint(f'loss_{index} = {{x_{index}:.4f}}')"
                ),
                "execution_count": count,
                "outputs": outputs,
            }
        )
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--image-mib", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    notebook = heavy_notebook(args.cells, args.image_mib, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
