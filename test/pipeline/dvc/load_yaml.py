"""Print, as JSON, each YAML file named, read the way DVC reads its files.

Used by test/pipeline/exportDvc.spec.ts with the Python of .venv-dvc.
"""

import json
import sys

from dvc.utils.serialize import load_yaml

if __name__ == "__main__":
    print(json.dumps([load_yaml(path) for path in sys.argv[1:]]))
