"""Tornado handlers of `/mlops/registry/…`: the local model registry (docs/bridge.md, "Registry").

Thin: each checks its body or query, names who asks (jupyter_server's
identity, never the browser's word), and runs `registry_store` in a worker
thread. Every method is authenticated; POSTs pass the XSRF check.
"""

from __future__ import annotations

from typing import Any

import tornado.web

from .base_handler import MlopsHandler
from .body import STORE, Field
from .errors import MlopsError
from .registry_audit import append, entries, registry_lock, verify
from .registry_deploy import approve, check_gate, deploy, preflight
from .registry_records import get_model, list_models
from .registry_serving import invoke, list_serving, stop
from .registry_store import new_staging, register, set_alias


class _RegistryHandler(MlopsHandler):
    def who(self) -> dict[str, str]:
        """Who asks, as jupyter_server knows them."""
        user = self.current_user
        username = str(getattr(user, "username", "") or "anonymous")
        name = str(getattr(user, "display_name", "") or getattr(user, "name", "") or username)
        return {"username": username[:200], "name": name[:200]}

    def query_store(self) -> Any:
        values = self.get_query_arguments("store", strip=False)
        if len(values) > 1:
            raise MlopsError("E_BAD_REQUEST", "?store= given more than once")
        return self.store(values[0] if values else None)


class RegistryModelsHandler(_RegistryHandler):
    """`GET registry/models?store=`: every model of the local registry."""

    @tornado.web.authenticated
    async def get(self) -> None:
        try:
            store = self.query_store()
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: {"models": list_models(store)})


class RegistryModelHandler(_RegistryHandler):
    """`GET registry/models/<name>?store=`: one model, its versions and aliases."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        # Tornado has decoded the path segment once (the client encodes it once).
        try:
            store = self.query_store()
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: get_model(store, name))


class RegistryStagingHandler(_RegistryHandler):
    """`POST registry/staging`: a fresh folder for the kernel to save a model in."""

    fields = {**STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            store = self.store(self.parse_body()["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: new_staging(store))


class RegistryVersionsHandler(_RegistryHandler):
    """`POST registry/versions`: the next version of a model, from a staged folder."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "staging": Field("str", required=True),
        "source": Field("str"),
        "description": Field("str"),
        "modelDescription": Field("str"),
        "tags": Field("object"),
        "lineage": Field("object"),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        await self.respond(lambda: register(store, body, who))


class RegistryAliasHandler(_RegistryHandler):
    """`POST registry/aliases`: point an alias at a version, or remove it (`version: null`)."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "alias": Field("str", required=True),
        "version": Field("int_or_null", required=True),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        await self.respond(
            lambda: set_alias(store, body["model"], body["alias"], body["version"], who)
        )


class RegistryAuditHandler(_RegistryHandler):
    """`GET registry/audit?store=`: the newest entries and the chain's verification."""

    @tornado.web.authenticated
    async def get(self) -> None:
        try:
            store = self.query_store()
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: {"entries": entries(store), "verification": verify(store)})


class RegistryPreflightHandler(_RegistryHandler):
    """`POST registry/preflight`: the checks of a deploy or rollback, and its confirmation token."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "version": Field("int_or_null"),
        "action": Field("str", required=True),
        "gate": Field("object"),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
            gate = check_gate(body["gate"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        await self.respond(
            lambda: preflight(store, body["model"], body["version"], body["action"], gate, who)
        )


class RegistryDeployHandler(_RegistryHandler):
    """`POST registry/deploy` and `registry/rollback`: a change the preflight's token confirms."""

    fields = {**STORE, "model": Field("str", required=True), "token": Field("str", required=True)}
    action = "deploy"

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        action = self.action
        await self.respond(lambda: deploy(store, body["model"], body["token"], action, who))


class RegistryRollbackHandler(RegistryDeployHandler):
    action = "rollback"


class RegistryServingHandler(_RegistryHandler):
    """`GET registry/serving`: every model's endpoint (serving or crashed)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        try:
            store = self.query_store()
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: {"serving": list_serving(store)})


class RegistryStopHandler(_RegistryHandler):
    """`POST registry/serving/stop`: stop a model's endpoint (audited)."""

    fields = {**STORE, "model": Field("str", required=True)}

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()

        def work() -> dict[str, object]:
            answer = stop(store, body["model"])
            with registry_lock(store):
                append(
                    store, who=who, action="stop", model=body["model"], version=None, details=answer
                )
            return answer

        await self.respond(work)


class RegistryInvokeHandler(_RegistryHandler):
    """`POST registry/invoke`: send a payload to a model's endpoint (the panel's "Try it")."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "payload": Field("object", required=True),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: invoke(store, body["model"], body["payload"]))


class RegistryApproveHandler(_RegistryHandler):
    """`POST registry/approve`: approve deploying a version (by someone who will not deploy it)."""

    fields = {**STORE, "model": Field("str", required=True), "version": Field("int", required=True)}

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        await self.respond(lambda: approve(store, body["model"], body["version"], who))
