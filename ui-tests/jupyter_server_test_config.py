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
