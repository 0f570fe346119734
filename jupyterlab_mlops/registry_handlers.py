"""Tornado handlers of `/mlops/registry/…`: the local model registry (docs/bridge.md, "Registry").

Thin: each checks its body or query, names who asks (jupyter_server's
identity, never the browser's word), and runs the registry's work in a
worker thread. Every method is authenticated; POSTs pass the XSRF check.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, ClassVar

import tornado.web

from .base_handler import MlopsHandler
from .body import STORE, Field
from .config import MlopsExtension
from .errors import MlopsError
from .mlflow_client import target_from
from .paths import Store, open_store
from .registry_audit import append, entries, registry_lock, verify
from .registry_deploy import approve, check_gate, deploy, preflight
from .registry_kserve import manifest
from .registry_outbox import all_entries, queue_snapshot, read, retry, view
from .registry_push import Pusher
from .registry_records import get_model, list_models
from .registry_serving import invoke, list_serving, stop
from .registry_store import new_staging, register, set_alias
from .store_git import EXPERIMENT_REF
from .tracking_mlflow import mirrored_run, snapshot_commit


def create_pusher(config: MlopsExtension, log: logging.Logger, root: str = "") -> Pusher:
    """The server's outbox worker (idle without an MLflow URI); resumes the default store's."""
    try:
        target = target_from(config.mlflow_tracking_uri, config.mlflow_tracking_token)
    except ValueError as err:
        log.error("jupyterlab_mlops: %s; MLflow pushes are off", err)
        target = None
    pusher = Pusher(target, config.mlflow_experiment, log, config.mlflow_retry_max_seconds)
    if target is not None and root:
        with contextlib.suppress(MlopsError, OSError):
            pusher.kick(open_store(root, config.store_dir))
    return pusher


#: What a POST route does: (store, checked body, who asks) → its answer.
Work = Callable[[Store, dict[str, Any], dict[str, str]], dict[str, Any]]


class _RegistryHandler(MlopsHandler):
    def query_store(self) -> Store:
        values = self.get_query_arguments("store", strip=False)
        if len(values) > 1:
            raise MlopsError("E_BAD_REQUEST", "?store= given more than once")
        return self.store(values[0] if values else None)

    async def answer_get(self, work: Callable[[Store], dict[str, Any]]) -> None:
        """Run `work` on the `?store=` store."""
        try:
            store = self.query_store()
        except MlopsError as err:
            await self.fail(err)
            return
        await self.respond(lambda: work(store))

    async def answer_post(self, work: Work) -> None:
        """Check the body against `fields`, then run `work` with the store and who asks."""
        try:
            body = self.parse_body()
            store = self.store(body["store"])
        except MlopsError as err:
            await self.fail(err)
            return
        who = self.who()
        await self.respond(lambda: work(store, body, who))
        self.pusher.kick(store)

    @property
    def pusher(self) -> Pusher:
        return self.settings["mlops_pusher"]


class RegistryModelsHandler(_RegistryHandler):
    """`GET registry/models?store=`: every model of the local registry."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer_get(lambda store: {"models": list_models(store)})


class RegistryModelHandler(_RegistryHandler):
    """`GET registry/models/<name>?store=`: one model, its versions and aliases."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        # Tornado has decoded the path segment once (the client encodes it once).
        await self.answer_get(lambda store: get_model(store, name))


class RegistryAuditHandler(_RegistryHandler):
    """`GET registry/audit?store=`: the newest entries and the chain's verification."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer_get(
            lambda store: {"entries": entries(store), "verification": verify(store)}
        )


class RegistryServingHandler(_RegistryHandler):
    """`GET registry/serving`: every model's endpoint (serving or crashed)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer_get(lambda store: {"serving": list_serving(store)})


class RegistryBackendHandler(_RegistryHandler):
    """`GET registry/backend`: whether MLflow is configured, and where (no credentials)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        target = self.pusher.target
        await self.respond(
            lambda: {
                "mlflow": None
                if target is None
                else {"uri": target.shown, "experiment": self.pusher.experiment}
            }
        )


class RegistryOutboxHandler(_RegistryHandler):
    """`GET registry/outbox?store=`: the entries on their way to MLflow (newest last)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        def work(store: Store) -> dict[str, Any]:
            self.pusher.kick(store)
            found = [view(e) for e in all_entries(store)]
            return {"configured": self.pusher.target is not None, "entries": found[-200:]}

        await self.answer_get(work)


class _RegistryPost(_RegistryHandler):
    """A POST route: its `fields` and its `work`."""

    work: ClassVar[Work]

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer_post(type(self).work)


def _stop(store: Store, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    answer = stop(store, body["model"])
    with registry_lock(store):
        append(store, who=who, action="stop", model=body["model"], version=None, details=answer)
    return answer


def _preflight(store: Store, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    gate = check_gate(body["gate"])
    return preflight(store, body["model"], body["version"], body["action"], gate, who)


class RegistryStagingHandler(_RegistryPost):
    """`POST registry/staging`: a fresh folder for the kernel to save a model in."""

    fields = {**STORE}
    work = staticmethod(lambda store, body, who: new_staging(store))


class RegistryOutboxRetryHandler(_RegistryPost):
    """`POST registry/outbox/retry`: send a failed outbox entry again."""

    fields = {**STORE, "key": Field("str", required=True)}

    @staticmethod
    def work(store: Store, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
        with registry_lock(store):
            return retry(store, body["key"])


class RegistryKserveHandler(_RegistryPost):
    """`POST registry/kserve`: a KServe InferenceService manifest of a version (not written)."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "version": Field("int", required=True),
        "storageUri": Field("str", required=True),
        "cpu": Field("str"),
        "memory": Field("str"),
    }
    work = staticmethod(lambda store, body, who: manifest(store, body))


class RegistryVersionsHandler(_RegistryPost):
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
        "idempotencyKey": Field("str"),
        "push": Field("bool"),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        if self.pusher.target is None and self._asks_push():
            await self.fail(_unconfigured("registry"))
            return
        await super().post()

    def _asks_push(self) -> bool:
        try:
            return bool(self.parse_body().get("push"))
        except MlopsError:
            return False

    work = staticmethod(register)


class RegistryAliasHandler(_RegistryPost):
    """`POST registry/aliases`: point an alias at a version, or remove it (`version: null`)."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "alias": Field("str", required=True),
        "version": Field("int_or_null", required=True),
    }
    work = staticmethod(
        lambda store, body, who: set_alias(
            store, body["model"], body["alias"], body["version"], who
        )
    )


class RegistryPreflightHandler(_RegistryPost):
    """`POST registry/preflight`: the checks of a deploy or rollback, and its confirmation token."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "version": Field("int_or_null"),
        "action": Field("str", required=True),
        "gate": Field("object"),
    }
    work = staticmethod(_preflight)


class RegistryDeployHandler(_RegistryPost):
    """`POST registry/deploy`: the deploy the preflight's token confirms."""

    fields = {**STORE, "model": Field("str", required=True), "token": Field("str", required=True)}
    work = staticmethod(
        lambda store, body, who: deploy(store, body["model"], body["token"], "deploy", who)
    )


class RegistryRollbackHandler(RegistryDeployHandler):
    """`POST registry/rollback`: the rollback the preflight's token confirms."""

    work = staticmethod(
        lambda store, body, who: deploy(store, body["model"], body["token"], "rollback", who)
    )


class RegistryStopHandler(_RegistryPost):
    """`POST registry/serving/stop`: stop a model's endpoint (audited)."""

    fields = {**STORE, "model": Field("str", required=True)}
    work = staticmethod(_stop)


class RegistryInvokeHandler(_RegistryPost):
    """`POST registry/invoke`: send a payload to a model's endpoint (the panel's "Try it")."""

    fields = {
        **STORE,
        "model": Field("str", required=True),
        "payload": Field("object", required=True),
    }
    work = staticmethod(lambda store, body, who: invoke(store, body["model"], body["payload"]))


class RegistryApproveHandler(_RegistryPost):
    """`POST registry/approve`: approve deploying a version (by someone who will not deploy it)."""

    fields = {**STORE, "model": Field("str", required=True), "version": Field("int", required=True)}
    work = staticmethod(
        lambda store, body, who: approve(store, body["model"], body["version"], who)
    )


class TrackingMirrorHandler(_RegistryPost):
    """`POST tracking/mirror {ref}`: mirror a snapshot as an MLflow run (once);
    `GET tracking/mirror?ref=`: where it stands, with the run's link once there."""

    fields = {**STORE, "ref": Field("str", required=True)}

    @tornado.web.authenticated
    async def post(self) -> None:
        if self.pusher.target is None:
            await self.fail(_unconfigured("tracking"))
            return
        await self.answer_post(type(self).work)

    @staticmethod
    def work(store: Store, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
        commit = snapshot_commit(store, body["ref"])
        with registry_lock(store):
            return view(queue_snapshot(store, body["ref"], commit, who))

    @tornado.web.authenticated
    async def get(self) -> None:
        ref = self.get_query_argument("ref", "")
        target = self.pusher.target

        def work(store: Store) -> dict[str, Any]:
            if not EXPERIMENT_REF.match(ref):
                raise MlopsError("E_BAD_REQUEST", "ref must be refs/exps/<notebook slug>/<ULID>")
            key = ref.rsplit("/", 1)[1]
            done = mirrored_run(store, key)
            if done is not None and done["ref"] == ref and target is not None:
                url = f"{target.shown}/#/experiments/{done['experimentId']}/runs/{done['runId']}"
                return {"state": "done", "runUrl": url, "lastError": None}
            entry = read(store, key)
            if entry is None or entry.get("ref") != ref:
                return {"state": "none", "runUrl": None, "lastError": None}
            self.pusher.kick(store)
            return {"state": entry["state"], "runUrl": None, "lastError": entry.get("lastError")}

        await self.answer_get(work)


def _unconfigured(setting: str) -> MlopsError:
    return MlopsError(
        "E_MLFLOW_UNCONFIGURED",
        f"the {setting} setting is mlflow, but this Jupyter server has no MLflow URI"
        " (c.MlopsExtension.mlflow_tracking_uri or $MLFLOW_TRACKING_URI)",
    )
