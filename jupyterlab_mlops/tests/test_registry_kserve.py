"""`POST registry/kserve`: the InferenceService manifest of a version, checked against
KServe's own API schema (kserve_schema: the types of KServe's SDK and the Kubernetes client)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import Api
from .kserve_schema import Schema
from .test_registry import LINEAGE, register

DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema()


async def kserve(api: Api, **body: object) -> tuple[int, dict]:
    return await api("registry/kserve", {"model": "wine", "version": 1, **body})


async def test_the_manifest_is_a_valid_inference_service(api: Api, schema: Schema) -> None:
    status, _ = await register(api, "wine", lineage=LINEAGE)
    assert status == 200
    status, answer = await kserve(api, storageUri="s3://models/wine/1", cpu="500m", memory="1Gi")
    assert status == 200, answer
    service = yaml.safe_load(answer["manifest"])
    assert schema.validate(service, "V1beta1InferenceService") == []
    assert (service["apiVersion"], service["kind"]) == (
        "serving.kserve.io/v1beta1",
        "InferenceService",
    )
    model = service["spec"]["predictor"]["model"]
    assert model["modelFormat"] == {"name": "mlflow"}
    assert model["storageUri"] == "s3://models/wine/1"
    assert model["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert service["metadata"]["name"] == answer["name"]
    assert re.fullmatch(r"wine-[0-9a-f]{8}-v1", answer["name"])
    assert service["metadata"]["annotations"]["mlops.jupyterlab.org/experiment"] == "01JABCDEF"


async def test_the_validator_finds_what_kserve_would_refuse(schema: Schema) -> None:
    # The check can fail: fields KServe does not have, wrong types, a missing modelFormat.
    broken = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "x", "labels": {"a": 1}},
        "spec": {
            "predictor": {
                "model": {"storageUri": 5, "modelFromat": {"name": "mlflow"}},
                "replicas": "two",
            }
        },
    }
    problems = schema.validate(broken, "V1beta1InferenceService")
    assert "$.metadata.labels.a: not a str" in problems
    assert "$.spec.predictor.model.storageUri: not a str" in problems
    assert any("modelFromat: no such field" in p for p in problems)
    assert any("modelFormat: required" in p for p in problems)
    assert "$.spec.predictor.replicas: no such field of V1beta1PredictorSpec" in problems


@pytest.mark.parametrize(
    "name",
    ["Wine Classifier", "ÜBER_modell", "7up", "a" * 100, "a..b", "名前", "x--y--", "-dash-"],
)
async def test_any_model_name_becomes_a_dns_label(api: Api, schema: Schema, name: str) -> None:
    status, _ = await register(api, name)
    assert status == 200
    status, answer = await api(
        "registry/kserve", {"model": name, "version": 1, "storageUri": "pvc://models/m"}
    )
    assert status == 200, answer
    label = answer["name"]
    assert DNS_LABEL.fullmatch(label) and len(label) <= 63 and label.endswith("-v1"), label
    service = yaml.safe_load(answer["manifest"])
    assert schema.validate(service, "V1beta1InferenceService") == []
    assert service["metadata"]["annotations"]["mlops.jupyterlab.org/model"] == name


def test_distinct_names_get_distinct_labels() -> None:
    from jupyterlab_mlops.registry_kserve import dns_label

    names = ["1abc", "m-1abc", "ÄÖÜ", "aou", "café", "cafe", "a_b", "a-b", "9" * 120, "9" * 121]
    labels = [dns_label(n, 1) for n in names]
    assert len(set(labels)) == len(names), labels
    assert re.fullmatch(r"wine-[0-9a-f]{8}-v3", dns_label("wine", 3))
    assert dns_label("ABC", 1) != dns_label("abc-" + dns_label("ABC", 1)[4:12], 1)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"storageUri": "file:///etc/passwd"}, "E_BAD_REQUEST"),
        ({"storageUri": "javascript:alert(1)"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k\nspec: {}"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k with space"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/\u202ek"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://" + "a" * 3000}, "E_BAD_REQUEST"),
        ({"storageUri": 7}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k", "cpu": "lots"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k", "memory": "1Gi\n  x: y"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k", "version": 9}, "E_REGISTRY_CORRUPT"),
        ({"storageUri": "s3://b/k", "version": "1"}, "E_BAD_REQUEST"),
        ({"storageUri": "s3://b/k", "model": "nope"}, "E_NOT_FOUND"),
        ({"storageUri": "s3://b/k", "model": "../../etc"}, "E_BAD_REQUEST"),
        ({}, "E_BAD_REQUEST"),
    ],
)
async def test_bad_requests_are_refused(api: Api, store: Path, body: dict, code: str) -> None:
    status, _ = await register(api, "wine")
    assert status == 200
    status, answer = await kserve(api, **body)
    assert status >= 400 and answer["code"] == code, answer
