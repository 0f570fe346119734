"""mlflow_client's pure parts: credentials checked, and never in a message."""

from __future__ import annotations

import base64

import pytest

from jupyterlab_mlops.mlflow_client import Mlflow, MlflowTarget, target_from


def test_every_form_of_a_credential_is_redacted() -> None:
    target = MlflowTarget(uri="http://alice:Pa55%2Fw0rd@mlflow.example:5000/base")
    basic = base64.b64encode(b"alice:Pa55/w0rd").decode()
    text = f"echo: Basic {basic}; Pa55/w0rd; Pa55%2Fw0rd; {target.uri}"
    shown = target.redact(text)
    for secret in (basic, "Pa55/w0rd", "Pa55%2Fw0rd", "alice:"):
        assert secret not in shown, shown
    assert target.shown == "http://mlflow.example:5000/base"
    bearer = MlflowTarget(uri="http://h", token="tok-" + "S" * 40)
    assert bearer.redact("Bearer tok-" + "S" * 40) == "Bearer ***"


def test_a_message_is_redacted_before_it_is_cut() -> None:
    client = Mlflow(MlflowTarget(uri="http://h", token="T" * 30))
    # The secret straddles the cut at 2000 characters.
    err = client._fail("HTTP_400", "x" * 1990 + "T" * 30)
    assert "TTTT" not in err.message


@pytest.mark.parametrize(
    "fields",
    [
        {"token": "tok\nInjected: 1"},
        {"token": "tok\r"},
        {"password": "pw\x00"},
        {"username": "al\x7fice", "password": "x"},
    ],
)
def test_a_credential_with_a_control_character_is_refused_without_echoing_it(
    fields: dict[str, str],
) -> None:
    with pytest.raises(ValueError) as caught:
        MlflowTarget(uri="http://h", **fields)
    for value in fields.values():
        assert value not in str(caught.value)


@pytest.mark.parametrize("uri", ["ftp://h", "file:///etc", "h:5000", "http://", "javascript:x"])
def test_only_http_uris(uri: str) -> None:
    with pytest.raises(ValueError):
        MlflowTarget(uri=uri)


def test_no_uri_no_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert target_from("") is None
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "from-env")
    found = target_from("")
    assert found is not None and found.token == "from-env"


def test_a_server_that_drips_its_headers_is_cut_at_the_deadline() -> None:
    import socket
    import threading
    import time

    from jupyterlab_mlops.mlflow_client import MlflowError

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            if stop.is_set():
                break
            try:
                conn.send(bytes([byte]))
            except OSError:
                break
            time.sleep(0.2)  # each byte well inside the socket's timeout
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    client = Mlflow(MlflowTarget(uri=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=1))
    try:
        with pytest.raises(MlflowError) as caught:
            client.call("GET", "experiments/get-by-name", query={"experiment_name": "x"})
        assert caught.value.code == "CONNECTION" and caught.value.retryable
    finally:
        stop.set()
        listener.close()
