"""What a generated dag.py says, read with `ast` only (no import, no Airflow).

`python dag_literals.py < dag.py` prints JSON: the module's constants, the
DAG's description, each param's default and JSON Schema type, the task ids,
and the names of every function the module calls, so a test can check that
user text came through as data and that no call was smuggled in.
"""

import ast
import json
import sys


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _name(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return _name(node.func) + "()"
    return type(node).__name__


def main() -> int:
    tree = ast.parse(sys.stdin.read())
    constants, params, task_ids, calls = {}, {}, [], set()
    description = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass  # not a literal (a path computed at import)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        calls.add(name)
        keywords = {k.arg: k.value for k in node.keywords}
        if "task_id" in keywords:
            task_ids.append(ast.literal_eval(keywords["task_id"]))
        if name == "dag":
            description = ast.literal_eval(keywords["description"])
            table = keywords["params"]
            assert isinstance(table, ast.Dict)
            for key, value in zip(table.keys, table.values, strict=True):
                assert isinstance(value, ast.Call) and _name(value.func) == "Param"
                kinds = {k.arg: ast.literal_eval(k.value) for k in value.keywords}
                params[ast.literal_eval(key)] = {
                    "default": ast.literal_eval(value.args[0]),
                    "type": kinds["type"],
                }
    json.dump(
        {
            "constants": constants,
            "description": description,
            "params": params,
            "task_ids": task_ids,
            "calls": sorted(calls),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
