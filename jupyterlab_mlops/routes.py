"""Every route of the `/mlops/` server extension, in one table (docs/bridge.md).

The handler modules import only `base_handler`; this module imports them
all, and nothing imports it but the extension's entry point.
"""

from __future__ import annotations

import logging

import tornado.web
from jupyter_server.utils import url_path_join

from .base_handler import MlopsHandler
from .config import MlopsExtension
from .handlers import (
    ListHandler,
    MkdirHandler,
    ReadHandler,
    ReadlinkHandler,
    ReadManyHandler,
    RmHandler,
    StatHandler,
    WriteHandler,
)
from .hash_handlers import HashHandler, HashJobHandler, create_hash_jobs
from .lock_handlers import LockHandler, UnlockHandler
from .pipeline_handlers import (
    PipelineExportHandler,
    PipelineRunCancelHandler,
    PipelineRunHandler,
    PipelineRunLogHandler,
    PipelineRunsHandler,
)
from .project_git import ProjectGitHandler
from .registry_handlers import (
    RegistryAliasHandler,
    RegistryApproveHandler,
    RegistryAuditHandler,
    RegistryBackendHandler,
    RegistryDeployHandler,
    RegistryInvokeHandler,
    RegistryKserveHandler,
    RegistryModelHandler,
    RegistryModelsHandler,
    RegistryOutboxHandler,
    RegistryOutboxRetryHandler,
    RegistryPreflightHandler,
    RegistryRollbackHandler,
    RegistryServingHandler,
    RegistryStagingHandler,
    RegistryStopHandler,
    RegistryVersionsHandler,
    TrackingMirrorHandler,
    create_pusher,
)
from .store_commit import CommitHandler
from .store_delete import StoreDeleteRefHandler
from .store_handlers import (
    StatusHandler,
    StoreInitHandler,
    StoreManifestsHandler,
    StoreRefsHandler,
    StoreSyncHandler,
)
from .write_blob import WriteBlobHandler
from .write_many import WriteManyHandler

#: (route under `<base_url>/mlops/`, handler): the extension's whole API.
ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("status", StatusHandler),
    ("fs/read", ReadHandler),
    ("fs/read-many", ReadManyHandler),
    ("fs/write", WriteHandler),
    ("fs/write-many", WriteManyHandler),
    ("fs/commit", CommitHandler),
    ("fs/write-blob", WriteBlobHandler),
    ("fs/list", ListHandler),
    ("fs/stat", StatHandler),
    ("fs/readlink", ReadlinkHandler),
    ("fs/mkdir", MkdirHandler),
    ("fs/rm", RmHandler),
    ("fs/lock", LockHandler),
    ("fs/unlock", UnlockHandler),
    ("store/init", StoreInitHandler),
    ("store/delete-ref", StoreDeleteRefHandler),
    ("store/sync", StoreSyncHandler),
    ("store/refs", StoreRefsHandler),
    ("store/manifests", StoreManifestsHandler),
    ("project/git", ProjectGitHandler),
    ("hash", HashHandler),
    ("hash/([^/]+)", HashJobHandler),
    ("pipeline/export", PipelineExportHandler),
    ("pipeline/runs", PipelineRunsHandler),
    ("pipeline/runs/([^/]+)", PipelineRunHandler),
    ("pipeline/runs/([^/]+)/log", PipelineRunLogHandler),
    ("pipeline/runs/([^/]+)/cancel", PipelineRunCancelHandler),
    ("registry/models", RegistryModelsHandler),
    ("registry/models/([^/]+)", RegistryModelHandler),
    ("registry/staging", RegistryStagingHandler),
    ("registry/versions", RegistryVersionsHandler),
    ("registry/aliases", RegistryAliasHandler),
    ("registry/audit", RegistryAuditHandler),
    ("registry/preflight", RegistryPreflightHandler),
    ("registry/deploy", RegistryDeployHandler),
    ("registry/rollback", RegistryRollbackHandler),
    ("registry/serving", RegistryServingHandler),
    ("registry/serving/stop", RegistryStopHandler),
    ("registry/invoke", RegistryInvokeHandler),
    ("registry/approve", RegistryApproveHandler),
    ("registry/backend", RegistryBackendHandler),
    ("registry/outbox", RegistryOutboxHandler),
    ("registry/outbox/retry", RegistryOutboxRetryHandler),
    ("registry/kserve", RegistryKserveHandler),
    ("tracking/mirror", TrackingMirrorHandler),
]


def setup_routes(
    web_app: tornado.web.Application, config: MlopsExtension, log: logging.Logger
) -> None:
    """Keep the extension's state in the web app's settings and register `ROUTES`."""
    web_app.settings["mlops"] = config
    create_hash_jobs(web_app.settings, config, log)
    web_app.settings["mlops_pusher"] = create_pusher(
        config, log, web_app.settings.get("server_root_dir", "")
    )
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, "mlops", route), cls) for route, cls in ROUTES]
    )
