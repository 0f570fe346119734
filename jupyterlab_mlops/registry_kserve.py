"""A KServe `InferenceService` manifest for a registered version (docs/bridge.md, "Registry").

The version is in MLflow format, which KServe serves with its `mlflow`
model format (MLServer, the V2 protocol): the manifest names that format,
the storage URI the user copies the version's `model/` folder to, and the
resources. It is made with `yaml.safe_dump` from checked values only: the
model name becomes a DNS-1123 label, the storage URI must have one of
KServe's storage schemes and no whitespace, quantities are Kubernetes
quantities. The lineage goes into annotations. Tests validate the result
against KServe's own API schema (tests/kserve_schema.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import yaml

from .errors import MlopsError
from .paths import Store
from .registry_records import model_key_of, version_state

#: Storage schemes KServe's storage initializer knows.
SCHEMES = ("s3://", "gs://", "pvc://", "https://", "hdfs://", "webhdfs://", "oci://")
MAX_URI = 2048
QUANTITY = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")
ANNOTATION = "mlops.jupyterlab.org"


def dns_label(name: str, version: int) -> str:
    """`<name>-v<version>` as a DNS-1123 label (≤ 63 characters, a-z, 0-9, '-')."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "model"
    if not slug[0].isalpha():
        slug = f"m-{slug}"
    # Always a hash of the name: no two names (nor a name that looks like
    # another's hashed form) share a label.
    suffix = f"-{hashlib.sha256(name.encode()).hexdigest()[:8]}-v{version}"
    return f"{slug[: 63 - len(suffix)].rstrip('-')}{suffix}"


def check_storage_uri(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(SCHEMES):
        raise MlopsError("E_BAD_REQUEST", f"storageUri must start with one of {', '.join(SCHEMES)}")
    if len(value) > MAX_URI or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in value):
        raise MlopsError(
            "E_BAD_REQUEST", f"storageUri: at most {MAX_URI} characters, no spaces or controls"
        )
    return value


def check_quantity(field: str, value: object) -> str:
    if not isinstance(value, str) or not QUANTITY.fullmatch(value) or len(value) > 32:
        raise MlopsError(
            "E_BAD_REQUEST", f"{field} must be a Kubernetes quantity such as 500m, 1, 2Gi"
        )
    return value


def manifest(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """`{name, manifest}`: the InferenceService of `body.model` version `body.version` (YAML)."""
    name = body["model"]
    version = body["version"]
    key = model_key_of(store, name)
    record = version_state(store, key, version)
    if record["state"] != "ok":
        raise MlopsError(
            "E_REGISTRY_CORRUPT", f"version {version}: {record.get('problem') or 'missing'}"
        )
    if "python_function" not in (record.get("flavors") or []):
        raise MlopsError(
            "E_MODEL_INVALID", "KServe's mlflow format needs the python_function flavor"
        )
    uri = check_storage_uri(body["storageUri"])
    cpu = check_quantity("cpu", body.get("cpu") or "1")
    memory = check_quantity("memory", body.get("memory") or "2Gi")
    label = dns_label(name, version)
    experiment = (record.get("lineage") or {}).get("experiment") or {}
    service = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": label,
            "labels": {f"{ANNOTATION}/version": str(version)},
            "annotations": {
                f"{ANNOTATION}/model": name,
                f"{ANNOTATION}/experiment": str(experiment.get("id") or "none"),
                f"{ANNOTATION}/mlmodel-sha256": str(
                    (record.get("files") or {}).get("MLmodel", {}).get("sha256", "")
                ),
            },
        },
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "mlflow"},
                    "protocolVersion": "v2",
                    "storageUri": uri,
                    "resources": {
                        "requests": {"cpu": cpu, "memory": memory},
                        "limits": {"cpu": cpu, "memory": memory},
                    },
                }
            }
        },
    }
    text = yaml.safe_dump(service, sort_keys=False, allow_unicode=True, width=1000)
    return {"name": label, "manifest": text}
