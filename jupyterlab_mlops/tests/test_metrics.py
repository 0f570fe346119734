"""log_metrics: the MIME bundle a snapshot reads, and its refusals."""

import math

import pytest

from jupyterlab_mlops.metrics import METRICS_MIME, metrics_bundle


def test_bundle_has_mime_data_and_text():
    bundle = metrics_bundle(accuracy=0.93, epochs=3)
    assert bundle[METRICS_MIME] == {"accuracy": 0.93, "epochs": 3}
    assert bundle["text/plain"] == "metrics: accuracy=0.93, epochs=3"


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"ok": True},
        {"ok": "0.9"},
        {"ok": None},
        {"ok": [1]},
        {"ok": math.nan},
        {"ok": math.inf},
        {"x" * 201: 1.0},
    ],
    ids=["empty", "bool", "str", "none", "list", "nan", "inf", "long-key"],
)
def test_bad_metrics_are_refused(values):
    with pytest.raises(ValueError):
        metrics_bundle(**values)


def test_numpy_scalars_are_numbers():
    np = pytest.importorskip("numpy")
    bundle = metrics_bundle(acc=np.float64(0.5), n=np.int64(4))
    assert bundle[METRICS_MIME] == {"acc": 0.5, "n": 4}
    assert type(bundle[METRICS_MIME]["n"]) is int
