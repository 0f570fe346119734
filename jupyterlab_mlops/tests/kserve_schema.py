"""KServe's own API schema, to validate the manifests the registry exports.

KServe's Python SDK (`kserve` on PyPI) holds a model class for every type
of its API, generated from the same OpenAPI definitions as the
InferenceService CRD's schema: each class lists its fields' types
(`openapi_types`), their JSON names (`attribute_map`), and raises for
required fields left out. The Kubernetes types it refers to
(`V1ObjectMeta`, `V1ResourceRequirements`, …) come the same way from the
`kubernetes` client. The wheels are downloaded once (pip, PyPI) into
`.cache-kserve/` and read as text: nothing of them is installed or
imported. `validate` walks a manifest against those types: unknown fields,
wrong types, and missing required fields are errors.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache-kserve"
WHEELS = {"kserve": "0.15.2", "kubernetes": "31.0.0"}
REQUIRED = re.compile(r"Invalid value for `(\w+)`, must not be `None`")


class Schema:
    """Every model class of the two wheels: name → (fields, required JSON names)."""

    def __init__(self) -> None:
        self.types: dict[str, dict[str, str]] = {}
        self.required: dict[str, set[str]] = {}
        for package, version in WHEELS.items():
            for wheel in _wheel(package, version):
                self._read(wheel)

    def _read(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if "/models/" not in name or not name.endswith(".py"):
                    continue
                source = archive.read(name).decode("utf-8")
                for node in ast.walk(ast.parse(source)):
                    if isinstance(node, ast.ClassDef):
                        self._class(node, source)

    def _class(self, node: ast.ClassDef, source: str) -> None:
        found: dict[str, Any] = {}
        for item in node.body:
            if isinstance(item, ast.Assign) and len(item.targets) == 1:
                target = item.targets[0]
                if isinstance(target, ast.Name) and target.id in ("openapi_types", "attribute_map"):
                    found[target.id] = ast.literal_eval(item.value)
        if set(found) != {"openapi_types", "attribute_map"}:
            return
        fields = {found["attribute_map"][k]: t for k, t in found["openapi_types"].items()}
        self.types[node.name] = fields
        body = ast.get_source_segment(source, node) or ""
        self.required[node.name] = {found["attribute_map"][k] for k in REQUIRED.findall(body)}

    def validate(self, value: Any, kind: str, at: str = "$") -> list[str]:
        """The problems of `value` as a `kind` (an SDK type name), each with its path."""
        if kind.startswith("list["):
            if not isinstance(value, list):
                return [f"{at}: not a list"]
            inner = kind[5:-1]
            return [p for i, v in enumerate(value) for p in self.validate(v, inner, f"{at}[{i}]")]
        if kind.startswith("dict("):
            if not isinstance(value, dict):
                return [f"{at}: not an object"]
            inner = kind[5:-1].split(",", 1)[1].strip()
            return [p for k, v in value.items() for p in self.validate(v, inner, f"{at}.{k}")]
        simple = {"str": str, "int": int, "bool": bool, "float": (int, float), "datetime": str}
        if kind in simple:
            fine = isinstance(value, simple[kind]) and not (
                kind == "int" and isinstance(value, bool)
            )
            return [] if fine else [f"{at}: not a {kind}"]
        if kind == "object":
            return []
        if kind not in self.types:
            return [f"{at}: unknown type {kind}"]
        if not isinstance(value, dict):
            return [f"{at}: not a {kind} object"]
        fields = self.types[kind]
        problems = [f"{at}.{k}: no such field of {kind}" for k in value if k not in fields]
        problems += [f"{at}.{k}: required by {kind}" for k in self.required[kind] if k not in value]
        for k, v in value.items():
            if k in fields:
                problems += self.validate(v, fields[k], f"{at}.{k}")
        return problems


def _wheel(package: str, version: str) -> list[Path]:
    found = sorted(CACHE.glob(f"{package}-{version}-*.whl"))
    if not found:
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "--disable-pip-version-check",
                "-d",
                str(CACHE),
                f"{package}=={version}",
            ],
            check=True,
        )
        found = sorted(CACHE.glob(f"{package}-{version}-*.whl"))
    assert found, f"no {package} {version} wheel"
    return found
