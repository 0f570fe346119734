"""Extension entry points and the MlopsExtension configurable."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets import TraitError
from traitlets.config import Config

import jupyterlab_mlops
from jupyterlab_mlops.config import MlopsExtension


def test_entry_points() -> None:
    assert jupyterlab_mlops._jupyter_labextension_paths() == [
        {"src": "labextension", "dest": "jupyterlab-mlops"}
    ]
    assert jupyterlab_mlops._jupyter_server_extension_points() == [{"module": "jupyterlab_mlops"}]
    assert isinstance(jupyterlab_mlops.__version__, str) and jupyterlab_mlops.__version__


def test_defaults() -> None:
    config = MlopsExtension()
    assert (config.store_dir, config.max_body_bytes, config.max_read_many_paths) == (
        ".mlops",
        32 * 1024 * 1024,
        1000,
    )


def test_values_come_from_the_server_config() -> None:
    config = MlopsExtension(
        config=Config({"MlopsExtension": {"store_dir": "a/b", "max_body_bytes": 9}})
    )
    assert (config.store_dir, config.max_body_bytes) == ("a/b", 9)


@pytest.mark.parametrize(
    "settings",
    [
        {"store_dir": "../up"},
        {"store_dir": "/abs"},
        {"store_dir": ""},
        {"store_dir": "."},
        {"max_body_bytes": 0},
        {"max_read_many_paths": -1},
    ],
    ids=lambda settings: next(f"{k}={v!r}" for k, v in settings.items()),
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(TraitError):
        MlopsExtension(config=Config({"MlopsExtension": settings}))


async def test_settings_live_in_the_web_app(jp_serverapp: Any) -> None:
    assert isinstance(jp_serverapp.web_app.settings["mlops"], MlopsExtension)
