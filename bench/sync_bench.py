"""Benchmark: Sync of 1,000 new experiments to a file:// remote, against `git push`.

Usage: .venv/bin/python bench/sync_bench.py [--count 1000] [--runs 5]

A real `jupyter server` with the extension, its `experiments_remote` a bare
repository over file://. The store holds `--count` experiments as the lab
writes them (one commit per ref `refs/exps/<slug>/<ULID>`, a manifest of
about 1 KiB and a notebook of about 6 KiB, all different), written with
`git fast-import`. Each run, in one process, alternating which goes first:

- ours: `POST /mlops/store/sync` to an empty remote (list the remote's
  refs, push every experiment, record them as seen), end to end through
  the bridge;
- peer: `git push <file:// remote> 'refs/exps/*:refs/exps/*'` of a copy of
  the same store to another empty remote;

then the same for a second user's empty store fetching them all (ours:
Sync; peer: `git fetch <remote> 'refs/exps/*:refs/exps/*'`), and a Sync
with nothing new against `git push` with nothing new. Medians and ratios;
the table replaces the section `## Sync` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hash_bench import RESULTS, replace_section  # noqa: E402

from jupyterlab_mlops.tests.server_support import Server  # noqa: E402

SECTION = "## Sync"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(n: int) -> str:
    digits = ""
    for _ in range(16):
        digits = CROCKFORD[n % 32] + digits
        n //= 32
    return "01JB00000A" + digits


def fast_import(git_dir: Path, count: int) -> None:
    """`count` experiment commits on their own refs, written by `git fast-import`."""
    lines: list[bytes] = []
    for n in range(count):
        manifest = (
            json.dumps(
                {"schemaVersion": 1, "id": ulid(n), "parameters": {"max_depth": n % 9, "seed": n}}
            ).encode()
            + b" " * 900
        )
        notebook = json.dumps({"cells": [{"source": f"x = {n}\n" * 300}], "nbformat": 4}).encode()
        lines.append(f"commit refs/exps/bench/{ulid(n)}\n".encode())
        lines.append(b"committer bench <bench@localhost> 1764583200 +0000\n")
        lines.append(b"data 8\nsnapshot\n")
        for name, data in (("manifest.json", manifest), ("notebook.ipynb", notebook)):
            lines.append(f"M 100644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n")
        lines.append(b"\n")
    subprocess.run(
        ["git", f"--git-dir={git_dir}", "fast-import", "--quiet"],
        input=b"".join(lines),
        check=True,
    )


def bare(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def timed(step) -> float:  # noqa: ANN001
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlops-sync-bench-"))
    remote, peer_remote = work / "remote.git", work / "peer-remote.git"
    roots = {name: work / name for name in ("alice", "bob")}
    for root in roots.values():
        root.mkdir()
    servers = {
        name: Server(root, work / f"home-{name}", mlops={"experiments_remote": str(remote)})
        for name, root in roots.items()
    }
    try:
        for server in servers.values():
            assert server.call("POST", "store/init", {})[0] == 200
        alice = roots["alice"] / ".mlops" / "experiments.git"
        fast_import(alice, args.count)
        peer_store = work / "peer-store.git"
        shutil.copytree(alice, peer_store)
        peer_bob = work / "peer-bob.git"

        def ours_push() -> None:
            status, answer = servers["alice"].call("POST", "store/sync", {})
            assert status == 200 and answer["pushed"] == args.count, answer

        def peer_push() -> None:
            subprocess.run(
                [
                    "git",
                    f"--git-dir={peer_store}",
                    "push",
                    "-q",
                    peer_remote.as_uri(),
                    "refs/exps/*:refs/exps/*",
                ],
                check=True,
            )

        def ours_fetch() -> None:
            status, answer = servers["bob"].call("POST", "store/sync", {})
            assert status == 200 and answer["fetched"] == args.count, answer

        def peer_fetch() -> None:
            subprocess.run(
                [
                    "git",
                    f"--git-dir={peer_bob}",
                    "fetch",
                    "-q",
                    peer_remote.as_uri(),
                    "refs/exps/*:refs/exps/*",
                ],
                check=True,
            )

        def ours_again() -> None:
            status, answer = servers["alice"].call("POST", "store/sync", {})
            assert status == 200 and answer["pushed"] == 0, answer

        times: dict[str, list[float]] = {
            k: []
            for k in (
                "ours_push",
                "peer_push",
                "ours_fetch",
                "peer_fetch",
                "ours_again",
                "peer_again",
            )
        }
        for run in range(args.runs):
            bare(remote)
            bare(peer_remote)
            shutil.rmtree(alice / "refs" / "sync", ignore_errors=True)
            # A new member: a store made afresh, nothing of it there yet.
            shutil.rmtree(roots["bob"] / ".mlops", ignore_errors=True)
            assert servers["bob"].call("POST", "store/init", {})[0] == 200
            bare(peer_bob)
            pairs = [("ours_push", ours_push), ("peer_push", peer_push)]
            for name, step in pairs if run % 2 == 0 else pairs[::-1]:
                times[name].append(timed(step))
            pairs = [("ours_fetch", ours_fetch), ("peer_fetch", peer_fetch)]
            for name, step in pairs if run % 2 == 0 else pairs[::-1]:
                times[name].append(timed(step))
            times["ours_again"].append(timed(ours_again))
            times["peer_again"].append(timed(peer_push))
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [
        ("push 1,000 new experiments", "ours_push", "peer_push", "`git push` of the same refs"),
        ("a new member fetches them all", "ours_fetch", "peer_fetch", "`git fetch` of the refs"),
        ("nothing new", "ours_again", "peer_again", "`git push` with nothing new"),
    ]
    lines = [
        SECTION,
        "",
        f"`.venv/bin/python bench/sync_bench.py --count {args.count} --runs {args.runs}`: "
        "Sync through a real server (`POST /mlops/store/sync`, end to end) against the git "
        f"CLI doing the same transfer, file:// remotes, {args.count} experiments of about 7 KiB, "
        "medians of the runs (alternating which goes first). Target: ≤ 1.5x `git push`.",
        "",
        "| work | ours (ms) | peer | peer (ms) | ratio of medians | median of each run's ratio |",
        "|---|---|---|---|---|---|",
    ]
    for label, ours, peer, what in rows:
        paired = statistics.median(a / b for a, b in zip(times[ours], times[peer], strict=True))
        lines.append(
            f"| {label} | {med[ours]:.0f} | {what} | {med[peer]:.0f} | "
            f"{med[ours] / med[peer]:.2f}x | {paired:.2f}x |"
        )
    lines += [
        "",
        "Each run times ours and the peer one right after the other, so a run's ratio is"
        " less exposed to this machine's slow spells (the same push took 250 to 950 ms"
        " within minutes) than the ratio of the two medians.",
        "",
    ]
    RESULTS.write_text(replace_section(RESULTS.read_text(), "\n".join(lines)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
