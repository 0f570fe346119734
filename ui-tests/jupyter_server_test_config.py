"""JupyterLab server for the galata tests (see playwright.config.js)."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
# The same for Notebook 7 (the notebook phase of scripts/test.sh).
c.JupyterNotebookApp.expose_app_in_browser = True  # noqa: F821

# MLOPS_GALATA_PORT lets several checkouts run their UI tests at once.
c.ServerApp.port = int(os.environ.get("MLOPS_GALATA_PORT", "8888"))  # noqa: F821

# CI and the developers' machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
# The extension under test; pip installs enable it, a source checkout may not.
c.ServerApp.jpserver_extensions.update({"jupyterlab_mlops": True})  # noqa: F821

# The team's git remote for Sync (tests/sync.spec.ts): a bare repository
# beside the root. A local repository is a remote only in the server's own
# setting, as here; the lab's setting may name only network remotes.
_root = os.environ.get("JUPYTERLAB_GALATA_ROOT_DIR")
if _root:
    import subprocess as _subprocess

    _team = f"{_root}-team.git"
    if not os.path.exists(_team):
        _subprocess.run(["git", "init", "--quiet", "--bare", _team], check=True)  # noqa: S603,S607
    c.MlopsExtension.experiments_remote = _team  # noqa: F821

# A real MLflow server for the Models panel's `backend: mlflow` test
# (tests/registryMlflow.spec.ts): SQLite and a local artifact root in a
# temporary folder, on 127.0.0.1, stopped with this server. `.venv-mlflow`
# is made by the vitest phase (test/registry/mlflow.ts), which runs first.
_mlflow = os.path.join(os.path.dirname(__file__), "..", ".venv-mlflow", "bin", "mlflow")
# Not for the benchmarks (MLOPS_BENCH_ROOT): its workers would compete
# for the two cores with what is measured.
if (
    os.path.exists(_mlflow)
    and not os.environ.get("MLOPS_NOTEBOOK")
    and not os.environ.get("MLOPS_BENCH_ROOT")
):
    import atexit
    import shutil
    import socket
    import subprocess
    import tempfile

    _folder = tempfile.mkdtemp(prefix="galata-mlflow-")
    with socket.socket() as _probe:
        _probe.bind(("127.0.0.1", 0))
        _port = _probe.getsockname()[1]
    _server = subprocess.Popen(  # noqa: S603 - our own test server
        [
            _mlflow,
            "server",
            "--backend-store-uri",
            f"sqlite:///{_folder}/mlflow.db",
            "--artifacts-destination",
            f"{_folder}/artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(_port),
            "--workers",
            "1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=open(os.path.join(_folder, "mlflow.log"), "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )

    def _stop_mlflow():
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()
        shutil.rmtree(_folder, ignore_errors=True)

    atexit.register(_stop_mlflow)
    c.MlopsExtension.mlflow_tracking_uri = f"http://127.0.0.1:{_port}"  # noqa: F821
    c.MlopsExtension.mlflow_tracking_token = "galata-" + "T0KEN" * 4  # noqa: F821
    c.MlopsExtension.mlflow_experiment = "galata"  # noqa: F821
    c.MlopsExtension.mlflow_retry_max_seconds = 1.0  # noqa: F821
