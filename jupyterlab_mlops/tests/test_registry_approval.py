"""A second user's approval before a deploy, with two identities on one real server.

The test identity provider names the user of each request from a header
(on top of the token check); the deploy gate requires an approval, and
the requester's own approval does not count.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from .conftest import Api
from .test_registry_deploy import GATE, no_server_left, register  # noqa: F401


@pytest.fixture(scope="module")
def model_and_frame() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine
    from sklearn.tree import DecisionTreeClassifier

    frame, target = load_wine(return_X_y=True, as_frame=True)
    return DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, target), frame


class TwoPeople(IdentityProvider):
    """The token's user, named by `X-Test-User` (alice when absent)."""

    async def get_user(self, handler: Any) -> Any:  # type: ignore[override]
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if user is None:
            return None
        name = handler.request.headers.get("X-Test-User", "alice")
        return User(username=name, name=name.title())


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_mlops": True},
            "identity_provider_class": TwoPeople,
        }
    }


def as_user(api: Api, name: str) -> Api:
    async def call(route: str, body: Any = None, **kwargs: Any) -> Any:
        return await api(route, body, headers={"X-Test-User": name}, **kwargs)

    return call  # type: ignore[return-value]


GATED = {**GATE, "requireApproval": True}


@pytest.mark.timeout(240)
async def test_a_deploy_needs_another_users_approval(api: Api, model_and_frame: Any) -> None:
    alice, bob = as_user(api, "alice"), as_user(api, "bob")
    assert await register(alice, model_and_frame, 0.95) == 1

    async def check(user: Api) -> dict[str, Any]:
        status, answer = await user(
            "registry/preflight",
            {"model": "wine", "version": 1, "action": "deploy", "gate": GATED},
        )
        assert status == 200, answer
        return answer

    first = await check(alice)
    approval = next(c for c in first["checks"] if c["id"] == "approval")
    assert not first["ok"] and first["token"] is None
    assert approval["reason"] == (
        "needs the approval of another user (the requester cannot approve)"
    )
    # Her own approval does not count.
    assert (await alice("registry/approve", {"model": "wine", "version": 1}))[0] == 200
    assert not (await check(alice))["ok"]
    # Bob's does; it is audited under his name.
    status, approved = await bob("registry/approve", {"model": "wine", "version": 1})
    assert status == 200 and approved["by"]["username"] == "bob"
    ready = await check(alice)
    assert ready["ok"], ready
    assert next(c for c in ready["checks"] if c["id"] == "approval")["reason"] == (
        "approved by Bob"
    )
    # Were Bob to deploy it, his own approval would not count; Alice's does.
    as_bob = await check(bob)
    assert next(c for c in as_bob["checks"] if c["id"] == "approval")["reason"] == (
        "approved by Alice"
    )
    status, deployed = await alice("registry/deploy", {"model": "wine", "token": ready["token"]})
    assert status == 200, deployed
    status, log = await api("registry/audit", method="GET")
    who = [(e["action"], e["who"]["username"]) for e in log["entries"]][:4]
    assert who == [
        ("deploy", "alice"),
        ("approve", "bob"),
        ("approve", "alice"),
        ("register", "alice"),
    ]
    await alice("registry/serving/stop", {"model": "wine"})


async def test_an_approval_of_nothing_is_refused(api: Api, model_and_frame: Any) -> None:
    await register(api, model_and_frame, 0.95)
    for body, code in (
        ({"model": "wine", "version": 9}, "E_REGISTRY_CORRUPT"),
        ({"model": "nobody", "version": 1}, "E_NOT_FOUND"),
        ({"model": "wine", "version": "1"}, "E_BAD_REQUEST"),
    ):
        status, err = await api("registry/approve", body)
        assert err["code"] == code, (body, err)
