# Step "evaluate" of pipeline "wine_classifier", exported by
# jupyterlab-mlops from "examples/wine_classifier.ipynb" (content bbbbbbbbbbbb).
# IPython magics and shell lines (%, !) of the notebook are left out.
import os as _mlops_os
import sys as _mlops_sys

# Nothing of the export folder on the path: not this script's folder (a step
# named like a module, json.py, would shadow it), nor the export folder (a
# module planted there would run). The marshal helper is compiled from its
# source, never imported (an import loader would take a planted .pyc).
# Then the working folder: the notebook's, whose modules the notebook imports.
_mlops_here = _mlops_os.path.dirname(_mlops_os.path.abspath(__file__))
if _mlops_sys.path and _mlops_os.path.abspath(_mlops_sys.path[0] or '.') == _mlops_here:
    del _mlops_sys.path[0]
import json as _mlops_json  # noqa: E402
import types as _mlops_types  # noqa: E402

_mlops_file = _mlops_os.path.join(_mlops_os.path.dirname(_mlops_here), 'mlops_marshal.py')
_mlops = _mlops_types.ModuleType('mlops_marshal')
_mlops.__file__ = _mlops_file
with open(_mlops_file, encoding='utf-8') as _mlops_source:
    exec(compile(_mlops_source.read(), _mlops_file, 'exec'), _mlops.__dict__)
_mlops_sys.path.insert(0, _mlops_os.getcwd())
_MLOPS_PARAMETERS = ["n_estimators","max_depth","test_size","random_state","data_path","model_path"]
_MLOPS_OUTPUTS = []
# Parameters: values from the runner (JSON), never code.
globals().update(
    {
        _k: _v
        for _k, _v in _mlops.read_params(_mlops_os.environ['MLOPS_PARAMS']).items()
        if _k in _MLOPS_PARAMETERS
    }
)
# Inputs: the variables other steps handed on.
for _k, _folder in _mlops_json.loads(_mlops_os.environ.get('MLOPS_INPUTS', '{}')).items():
    globals()[_k] = _mlops.load(_folder, _k)

# ---- imports and functions (every step runs them) ----
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import train_test_split

# ---- step "evaluate" ----
y_pred = model.predict(X_test)
accuracy = float(accuracy_score(y_test, y_pred))
f1_macro = float(f1_score(y_test, y_pred, average="macro"))
print(f"accuracy {accuracy:.3f}   macro F1 {f1_macro:.3f}   ({len(X_test)} test wines)")
print(json.dumps({"accuracy": accuracy, "f1_macro": f1_macro}))

# rows: true class, columns: predicted class
pd.DataFrame(confusion_matrix(y_test, y_pred)).rename_axis(index="true", columns="predicted")

# ---- outputs ----
for _k in _MLOPS_OUTPUTS:
    _mlops.save(_mlops_os.environ['MLOPS_OUTPUTS'], _k, globals()[_k])
_mlops.save_metrics(_mlops_os.environ['MLOPS_OUTPUTS'], ["accuracy","f1_macro"], globals())
