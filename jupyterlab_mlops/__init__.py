"""jupyterlab_mlops: track, pipeline and deploy from JupyterLab (server extension "bridge")."""

from __future__ import annotations

from typing import Any

from .metrics import log_metrics
from .version import __version__

__all__ = ["__version__", "log_metrics"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt frontend extension."""
    return [{"src": "labextension", "dest": "jupyterlab-mlops"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The module jupyter_server loads as this server extension."""
    return [{"module": "jupyterlab_mlops"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Read `c.MlopsExtension.*` from the server's config and register the routes."""
    # Imported here so that `import jupyterlab_mlops` (CLI, runner) stays light.
    from .config import MlopsExtension
    from .kernel_nodelay import use_nodelay
    from .routes import setup_routes

    config = MlopsExtension(config=server_app.config)
    setup_routes(server_app.web_app, config, server_app.log)
    use_nodelay(server_app.web_app.settings, config.kernel_websocket_nodelay, server_app.log)
    server_app.log.info("jupyterlab_mlops %s: /mlops/ routes registered", __version__)
