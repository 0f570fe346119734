"""Time MLflow logging the same things a snapshot records, in one process.

Usage: mlflow_log.py WORKDIR NOTEBOOK RUNS WARMUP; prints a JSON list of
milliseconds per run (params, metrics and the notebook as an artifact, to a
local sqlite store with local artifacts), excluding interpreter start and `import mlflow`.
"""

import json
import sys
import time
from pathlib import Path

import mlflow


def main() -> None:
    workdir, notebook, runs, warmup = (
        Path(sys.argv[1]),
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    # MLflow 3's recommended local store: sqlite, artifacts in a local folder.
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")
    mlflow.create_experiment("bench", artifact_location=(workdir / "artifacts").as_uri())
    mlflow.set_experiment("bench")
    params = {"max_depth": 3, "test_size": 0.25, "random_state": 42, "data_path": "data/big.bin"}
    metrics = {"accuracy": 0.93, "f1_macro": 0.92}
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        with mlflow.start_run():
            mlflow.log_params({**params, "n_estimators": i})
            mlflow.log_metrics(metrics)
            mlflow.log_artifact(notebook)
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps(times[warmup:]))


if __name__ == "__main__":
    main()
