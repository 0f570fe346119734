"""JupyterLab server for the galata tests (see playwright.config.js)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# CI and the developers' machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
# The extension under test; pip installs enable it, a source checkout may not.
c.ServerApp.jpserver_extensions.update({"jupyterlab_mlops": True})  # noqa: F821
