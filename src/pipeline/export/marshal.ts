/**
 * The marshal helper written into every export (`mlops_marshal.py`): how
 * a step saves the variables it hands on and loads those it takes. It is
 * part of the export, never imported from our package, so a step needs
 * only its own requirements (Kale #390: "No module named kale").
 *
 * numpy arrays → `.npy`; pandas frames and series → parquet when pyarrow
 * is there, else pickle; scikit-learn estimators → joblib; anything else →
 * cloudpickle (which carries a function's globals with it), else pickle.
 * Each file is written to a temporary name and renamed, so a step killed
 * mid-write leaves no half-written variable. A step's metrics (the
 * numbers among the pipeline's metric names it knows when it ends) go to
 * \`mlops-metrics.json\` in its outputs folder: the runner merges them in
 * run order, a later step's value winning, as running the notebook top to
 * bottom would.
 */
export const MARSHAL_HELPER = `"""Save and load the variables passed between pipeline steps.

Written by jupyterlab-mlops into this export; it needs only the Python
standard library and, when present, numpy, pandas, pyarrow, joblib and
cloudpickle.
"""

import json
import os
import pickle

METRICS_FILE = "mlops-metrics.json"
KINDS = ("npy", "parquet", "pandas.pickle", "joblib", "cloudpickle", "pickle")


def _kind(value):
    module = type(value).__module__.split(".")[0]
    if module == "numpy" and type(value).__name__ == "ndarray":
        return "npy"
    if module == "pandas" and type(value).__name__ in ("DataFrame", "Series"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return "pandas.pickle"
        return "parquet" if type(value).__name__ == "DataFrame" else "pandas.pickle"
    if module == "sklearn" or hasattr(value, "get_params") and hasattr(value, "fit"):
        try:
            import joblib  # noqa: F401
        except ImportError:
            pass
        else:
            return "joblib"
    try:
        import cloudpickle  # noqa: F401
    except ImportError:
        return "pickle"
    return "cloudpickle"


def _write(path, kind, value):
    if kind == "npy":
        import numpy

        with open(path, "wb") as out:
            numpy.save(out, value, allow_pickle=False)
    elif kind == "parquet":
        value.to_parquet(path)
    elif kind == "joblib":
        import joblib

        joblib.dump(value, path)
    elif kind == "cloudpickle":
        import cloudpickle

        with open(path, "wb") as out:
            cloudpickle.dump(value, out)
    else:
        with open(path, "wb") as out:
            pickle.dump(value, out)


def save(folder, name, value):
    """Save one variable into folder as name.<kind>; answer its kind."""
    os.makedirs(folder, exist_ok=True)
    kind = _kind(value)
    path = os.path.join(folder, name + "." + kind)
    partial = path + ".partial"
    try:
        _write(partial, kind, value)
    except Exception:
        # A value one way cannot carry (a lambda for pickle): try the others.
        kind = "cloudpickle" if kind != "cloudpickle" else "pickle"
        path = os.path.join(folder, name + "." + kind)
        partial = path + ".partial"
        _write(partial, kind, value)
    os.replace(partial, path)
    return kind


def load(folder, name):
    """Load the variable name saved in folder."""
    for kind in KINDS:
        path = os.path.join(folder, name + "." + kind)
        if not os.path.exists(path):
            continue
        if kind == "npy":
            import numpy

            return numpy.load(path, allow_pickle=False)
        if kind == "parquet":
            import pandas

            return pandas.read_parquet(path)
        if kind == "joblib":
            import joblib

            return joblib.load(path)
        with open(path, "rb") as handle:
            if kind == "cloudpickle":
                import cloudpickle

                return cloudpickle.load(handle)
            return pickle.load(handle)
    raise FileNotFoundError("no saved value for " + name + " in " + folder)


def save_metrics(folder, names, namespace):
    """Write the metrics this step knows (numbers among names) to
    folder/mlops-metrics.json; answer them."""
    found = {}
    for name in names:
        value = namespace.get(name)
        if isinstance(value, bool) or value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if number == number and number not in (float("inf"), float("-inf")):
            found[name] = int(value) if isinstance(value, int) else number
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, METRICS_FILE)
    with open(path + ".partial", "w", encoding="utf-8") as out:
        json.dump(found, out)
    os.replace(path + ".partial", path)
    return found


def read_params(path):
    """The parameter values the runner passes: JSON, never code."""
    with open(path, encoding="utf-8") as handle:
        values = json.load(handle)
    if not isinstance(values, dict):
        raise ValueError("the parameters file holds no object")
    return values
`;
