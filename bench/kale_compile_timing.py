"""Times Kale 2.3's own compile of a notebook, in-process, for bench/export_bench.py.

Run with the Python of a venv that has `kubeflow-kale==2.3.0` (the Kale
conformance test makes `.venv-kale`): what `kale --nb NB` does before it
compiles KFP's YAML, `NotebookProcessor(...).run()` then
`Compiler(...).compile()` (the KFP DSL script), once to warm up, then RUNS
times. Prints JSON: the milliseconds of each run.
"""

import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)

from kale.compiler import Compiler  # noqa: E402
from kale.processors import NotebookProcessor  # noqa: E402


def compile_once(path: str) -> float:
    start = time.perf_counter()
    processor = NotebookProcessor(path, {})
    pipeline = processor.run()
    Compiler(pipeline, processor.get_imports_and_functions()).compile()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    path, runs = sys.argv[1], int(sys.argv[2])
    compile_once(path)
    print(json.dumps([compile_once(path) for _ in range(runs)]))


if __name__ == "__main__":
    main()
