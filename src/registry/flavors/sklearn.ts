/**
 * The scikit-learn flavor: Python that runs in the kernel (which has the
 * model and its libraries) and saves a fitted estimator in MLflow model
 * format into a folder, without MLflow installed:
 *
 * - `model.pkl`: cloudpickle when the kernel has it, else pickle (MLflow's
 *   `serialization_format: cloudpickle | pickle`). Not skops, MLflow 3's
 *   default: it is another dependency in the kernel and in every serving
 *   environment, and it loads only types listed as trusted. The registry
 *   records each file's SHA-256, and only the serving subprocess loads the
 *   model (never the Jupyter server).
 * - `MLmodel` with the `python_function` (loader `mlflow.sklearn`) and
 *   `sklearn` flavors, the signature and the input example's info;
 * - `requirements.txt` (the experiment's pins, with the versions of the
 *   kernel's own scikit-learn, numpy, pandas, scipy and cloudpickle, which
 *   made the pickle, winning), `python_env.yaml`, `conda.yaml`;
 * - `input_example.json` (pandas `split`, up to 5 rows) and
 *   `serving_input_example.json` (`{"dataframe_split": …}`, what
 *   `/invocations` takes), when an example is given.
 *
 * Text reaches the code only as JSON literals (see `saveModelExpression`).
 */
export const SKLEARN_SAVER = String.raw`
import datetime as _dt
import json as _json
import os as _os
import platform as _platform
import sys as _sys
import uuid as _uuid

_LIBS = (
    ("sklearn", "scikit-learn"),
    ("numpy", "numpy"),
    ("pandas", "pandas"),
    ("scipy", "scipy"),
    ("cloudpickle", "cloudpickle"),
)
_COLUMN_TYPES = {
    "float64": "double",
    "float32": "float",
    "int64": "long",
    "int32": "integer",
    "int16": "integer",
    "int8": "integer",
    "bool": "boolean",
    "object": "string",
    "string": "string",
    "str": "string",
}


def _library_versions():
    found = {}
    for module, dist in _LIBS:
        loaded = _sys.modules.get(module)
        if loaded is None:
            try:
                loaded = __import__(module)
            except Exception:
                continue
        version = getattr(loaded, "__version__", None)
        if isinstance(version, str):
            found[dist] = version
    return found


def _pins(text):
    pins = {}
    for line in (text or "").splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and name and version:
            pins[name.lower().replace("_", "-")] = (name, version)
    return pins


def _tensor(array):
    return {"type": "tensor", "tensor-spec": {"dtype": str(array.dtype), "shape": [-1, *array.shape[1:]]}}


def _columns(frame):
    spec = []
    for column, dtype in frame.dtypes.items():
        kind = _COLUMN_TYPES.get(str(dtype))
        if kind is None:
            return None
        spec.append({"type": kind, "name": str(column), "required": True})
    return spec


def _write(folder, name, text):
    with open(_os.path.join(folder, name), "w", encoding="utf-8") as out:
        out.write(text)


def _yaml(value, indent=""):
    # JSON scalars are YAML scalars: strings stay quoted, so no text is read as YAML syntax.
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(indent + _json.dumps(key) + ":")
            lines.extend(_yaml(item, indent + "  "))
        elif isinstance(item, list):
            lines.append(indent + _json.dumps(key) + ":")
            lines.extend(indent + "- " + _json.dumps(entry) for entry in item)
        else:
            lines.append(indent + _json.dumps(key) + ": " + _json.dumps(item))
    return lines


def save(model, example, folder, requirements):
    if isinstance(model, type) or not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise TypeError(type(model).__name__ + " is not a fitted estimator (no fit and predict)")
    if _os.listdir(folder):
        raise FileExistsError(folder + " is not empty")
    try:
        import cloudpickle as pickler
        serialization = "cloudpickle"
    except ImportError:
        import pickle as pickler
        serialization = "pickle"
    with open(_os.path.join(folder, "model.pkl"), "wb") as out:
        pickler.dump(model, out)
    signature = None
    example_info = None
    if example is not None:
        import numpy
        if hasattr(example, "iloc") and hasattr(example, "dtypes") and hasattr(example, "columns"):
            rows = example.iloc[:5]
            inputs = _columns(rows)
            split = _json.loads(rows.to_json(orient="split", index=False, date_format="iso"))
            _write(folder, "input_example.json", _json.dumps(split))
            _write(folder, "serving_input_example.json", _json.dumps({"dataframe_split": split}, indent=2))
            example_info = {
                "artifact_path": "input_example.json",
                "pandas_orient": "split",
                "serving_input_path": "serving_input_example.json",
                "type": "dataframe",
            }
        else:
            rows = numpy.asarray(example)[:5]
            inputs = [_tensor(rows)]
            _write(folder, "input_example.json", _json.dumps({"inputs": rows.tolist()}))
            _write(folder, "serving_input_example.json", _json.dumps({"inputs": rows.tolist()}, indent=2))
            example_info = {
                "artifact_path": "input_example.json",
                "serving_input_path": "serving_input_example.json",
                "type": "ndarray",
                "format": "tf-serving",
            }
        outputs = [_tensor(numpy.asarray(model.predict(rows)))]
        if inputs is not None:
            signature = {"inputs": _json.dumps(inputs), "outputs": _json.dumps(outputs), "params": None}
    pins = _pins(requirements)
    for dist, version in _library_versions().items():
        pins[dist] = (dist, version)
    required = sorted(name + "==" + version for name, version in pins.values())
    _write(folder, "requirements.txt", "".join(line + "\n" for line in required))
    python = _platform.python_version()
    env = {"python": python, "build_dependencies": ["pip", "setuptools", "wheel"], "dependencies": ["-r requirements.txt"]}
    _write(folder, "python_env.yaml", "\n".join(_yaml(env)) + "\n")
    conda = {
        "name": "mlflow-env",
        "channels": ["conda-forge"],
        "dependencies": ["python=" + python, "pip"],
    }
    _write(folder, "conda.yaml", "\n".join(_yaml(conda) + ["- " + _json.dumps({"pip": required})]) + "\n")
    sklearn_version = _library_versions().get("scikit-learn")
    mlmodel = {
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn",
                "model_path": "model.pkl",
                "predict_fn": "predict",
                "python_version": python,
            },
            "sklearn": {
                "code": None,
                "pickled_model": "model.pkl",
                "serialization_format": serialization,
                "sklearn_version": sklearn_version,
            },
        },
        "model_size_bytes": _os.path.getsize(_os.path.join(folder, "model.pkl")),
        "model_uuid": _uuid.uuid4().hex,
        "utc_time_created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
    }
    if example_info is not None:
        mlmodel["saved_input_example_info"] = example_info
    if signature is not None:
        mlmodel["signature"] = signature
    _write(folder, "MLmodel", "\n".join(_yaml(mlmodel)) + "\n")
    return {
        "flavors": ["python_function", "sklearn"],
        "serialization": serialization,
        "signature": signature is not None,
        "files": sorted(_os.listdir(folder)),
        "type": type(model).__module__ + "." + type(model).__qualname__,
    }
`;
