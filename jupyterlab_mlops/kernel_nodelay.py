"""Kernel websockets without Nagle's algorithm (setting `kernel_websocket_nodelay`).

tornado leaves Nagle on and jupyter_server never turns it off, so a small
kernel reply (a cell's result, a snapshot's `user_expressions`) can wait
about 40 ms for the client's delayed ACK before it leaves the server. This
connection class is jupyter_server's own (`ZMQChannelsWebsocketConnection`)
with `TCP_NODELAY` set on each kernel websocket. It is put in place only
when the server still uses that default class: a class the user configured
(`ServerApp.kernel_websocket_connection_class`), a gateway's, or another
extension's is left alone. bench/nodelay_bench.py measures a cell's round
trip with and without it.
"""

from __future__ import annotations

import logging
from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SETTING = "kernel_websocket_connection_class"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self) -> Any:
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def use_nodelay(settings: dict[str, Any], wanted: bool, log: logging.Logger) -> bool:
    """Put `NoDelayConnection` in the web app's settings if the default class is there.

    Whether it was put in place.
    """
    if not wanted:
        return False
    if settings.get(SETTING) is not ZMQChannelsWebsocketConnection:
        log.info(
            "jupyterlab_mlops: kernel websockets keep the configured %s (TCP_NODELAY not set)",
            getattr(settings.get(SETTING), "__name__", settings.get(SETTING)),
        )
        return False
    settings[SETTING] = NoDelayConnection
    return True
