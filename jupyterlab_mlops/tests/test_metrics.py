"""log_metrics: the MIME bundle a snapshot reads, and its refusals."""

import math

import pytest

from jupyterlab_mlops.metrics import METRICS_MIME, log_metrics, metrics_bundle, metrics_output


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


def test_output_without_step_is_the_plain_bundle():
    bundle, metadata = metrics_output(accuracy=0.5)
    assert bundle == metrics_bundle(accuracy=0.5)
    assert metadata == {}


def test_output_with_step_carries_it_in_metadata():
    bundle, metadata = metrics_output(step=7, loss=0.25)
    assert bundle[METRICS_MIME] == {"loss": 0.25}
    assert bundle["text/plain"] == "step 7 metrics: loss=0.25"
    assert metadata == {METRICS_MIME: {"step": 7}}
    assert metrics_output(step=0, loss=1)[1] == {METRICS_MIME: {"step": 0}}


def test_numpy_step_is_an_int():
    np = pytest.importorskip("numpy")
    _, metadata = metrics_output(step=np.int64(3), loss=0.1)
    assert metadata == {METRICS_MIME: {"step": 3}}
    assert type(metadata[METRICS_MIME]["step"]) is int


@pytest.mark.parametrize(
    ("step", "error"),
    [
        (True, TypeError),
        (1.0, TypeError),
        ("3", TypeError),
        ([1], TypeError),
        (-1, ValueError),
        (2**53, ValueError),
    ],
    ids=["bool", "float", "str", "list", "negative", "too-big"],
)
def test_bad_steps_are_refused(step, error):
    with pytest.raises(error, match="step"):
        metrics_output(step=step, loss=0.1)


def test_step_needs_a_metric():
    with pytest.raises(ValueError, match="at least one metric"):
        metrics_output(step=1)


def test_log_metrics_displays_the_step_in_metadata():
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # a real shell: display() publishes to it
    with capture_output() as captured:
        log_metrics(step=2, loss=0.5)
        log_metrics(accuracy=0.9)
    shown = [(output.data, output.metadata) for output in captured.outputs]
    assert shown == [
        (
            {METRICS_MIME: {"loss": 0.5}, "text/plain": "step 2 metrics: loss=0.5"},
            {METRICS_MIME: {"step": 2}},
        ),
        ({METRICS_MIME: {"accuracy": 0.9}, "text/plain": "metrics: accuracy=0.9"}, {}),
    ]
