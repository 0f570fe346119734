"""Kernel websockets with TCP_NODELAY (kernel_nodelay.py), on a real server and kernel."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

from jupyterlab_mlops.kernel_nodelay import NoDelayConnection


class TheirsConnection(ZMQChannelsWebsocketConnection):
    """A class someone else configured: ours must leave it alone."""


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {"ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}}}
    marker = request.node.get_closest_marker("server")
    if marker:
        for section, values in marker.args[0].items():
            config.setdefault(section, {}).update(values)
    return config


def connection_class(app: Any) -> Any:
    return app.web_app.settings["kernel_websocket_connection_class"]


def test_on_by_default(jp_serverapp: Any) -> None:
    assert connection_class(jp_serverapp) is NoDelayConnection


@pytest.mark.server({"MlopsExtension": {"kernel_websocket_nodelay": False}})
def test_off_when_the_setting_says_so(jp_serverapp: Any) -> None:
    assert connection_class(jp_serverapp) is ZMQChannelsWebsocketConnection


@pytest.mark.server(
    {"ServerApp": {"kernel_websocket_connection_class": f"{__name__}.TheirsConnection"}}
)
def test_a_configured_class_is_left_alone(jp_serverapp: Any) -> None:
    assert connection_class(jp_serverapp) is TheirsConnection


async def test_a_cell_runs_over_a_nodelay_socket(
    jp_serverapp: Any,
    jp_fetch: Callable[..., Any],
    jp_ws_fetch: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[int] = []
    original = NoDelayConnection.connect

    def recording(self: NoDelayConnection) -> Any:
        result = original(self)
        sock = self.websocket_handler.ws_connection.stream.socket
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return result

    monkeypatch.setattr(NoDelayConnection, "connect", recording)
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({}))
    kernel = json.loads(response.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kernel, "channels")
    try:
        msg_id = uuid.uuid4().hex
        ws.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                        "date": "2026-12-01T00:00:00Z",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": "6 * 7", "silent": False},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        result = None
        for _ in range(200):
            message = json.loads(await ws.read_message())
            if (
                message.get("msg_type") == "execute_result"
                and message["parent_header"].get("msg_id") == msg_id
            ):
                result = message["content"]["data"]["text/plain"]
                break
        assert result == "42"
        assert seen and all(seen), seen
    finally:
        ws.close()
        await jp_fetch("api", "kernels", kernel, method="DELETE")
