"""Benchmark: a cell's round trip over a kernel websocket, with and without TCP_NODELAY.

Usage: .venv/bin/python bench/nodelay_bench.py [--rounds 40]

Two real `jupyter server`s with the extension, one with
`kernel_websocket_nodelay` on (the default), one with it off (tornado's and
jupyter_server's own behaviour), each with a real Python kernel. The same
client (tornado's websocket client, as a browser would connect) sends
`execute_request` of `1` and waits for its `execute_reply`, alternating
between the servers, `--rounds` times each after a warm-up. Medians and
p90; the table replaces the section `## Kernel websocket round trip` of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hash_bench import RESULTS, replace_section  # noqa: E402
from tornado.httpclient import HTTPRequest  # noqa: E402
from tornado.websocket import websocket_connect  # noqa: E402

from jupyterlab_mlops.tests.server_support import TOKEN, Server  # noqa: E402

SECTION = "## Kernel websocket round trip"


def start_kernel(server: Server) -> str:
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - our own server
        f"http://127.0.0.1:{server.port}/api/kernels",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())["id"]


async def connect(server: Server, kernel: str):  # noqa: ANN201
    url = (
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    )
    return await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {TOKEN}"}))


async def round_trip(ws) -> float:  # noqa: ANN001
    msg_id = uuid.uuid4().hex
    message = {
        "header": {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "bench",
            "session": "bench",
            "version": "5.3",
            "date": "2026-12-01T00:00:00Z",
        },
        "parent_header": {},
        "metadata": {},
        "content": {"code": "1", "silent": False, "store_history": False},
        "channel": "shell",
        "buffers": [],
    }
    start = time.perf_counter()
    await ws.write_message(json.dumps(message))
    while True:
        reply = json.loads(await ws.read_message())
        if (
            reply.get("msg_type") == "execute_reply"
            and reply["parent_header"].get("msg_id") == msg_id
        ):
            return (time.perf_counter() - start) * 1000


async def measure(servers: dict[str, Server], rounds: int) -> dict[str, list[float]]:
    sockets = {}
    for name, server in servers.items():
        sockets[name] = await connect(server, start_kernel(server))
    times: dict[str, list[float]] = {name: [] for name in servers}
    for index in range(rounds + 5):
        for name in list(servers) if index % 2 == 0 else list(servers)[::-1]:
            took = await round_trip(sockets[name])
            if index >= 5:  # warm-up
                times[name].append(took)
    for ws in sockets.values():
        ws.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlops-nodelay-bench-"))
    root = work / "root"
    root.mkdir()
    servers = {
        "nodelay": Server(root, work / "a"),
        "nagle": Server(root, work / "b", mlops={"kernel_websocket_nodelay": False}),
    }
    try:
        times = asyncio.run(measure(servers, args.rounds))
    finally:
        for server in servers.values():
            server.stop()

    def p90(values: list[float]) -> float:
        return sorted(values)[int(0.9 * (len(values) - 1))]

    ours, theirs = statistics.median(times["nodelay"]), statistics.median(times["nagle"])
    lines = [
        SECTION,
        "",
        f"`.venv/bin/python bench/nodelay_bench.py --rounds {args.rounds}`: `execute_request` of "
        "`1` to a real kernel over the kernel websocket, until its `execute_reply`; two real "
        "servers, alternating; after 5 warm-up rounds.",
        "",
        "| kernel websocket | median ms | p90 ms | ratio |",
        "|---|---|---|---|",
        f"| TCP_NODELAY (setting `kernel_websocket_nodelay`, default) | {ours:.1f} | "
        f"{p90(times['nodelay']):.1f} | {ours / theirs:.2f}x |",
        f"| Nagle on (jupyter_server's default class) | {theirs:.1f} | "
        f"{p90(times['nagle']):.1f} | 1x |",
        "",
    ]
    RESULTS.write_text(replace_section(RESULTS.read_text(), "\n".join(lines)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
