"""Print the latest XCom return value of a task as JSON: latest_xcom.py DB DAG_ID TASK_ID.

Reads Airflow's SQLite database (read-only) the way the test needs it: one
value, no Airflow import (fast). Prints null when there is none.
"""

import sqlite3
import sys
from pathlib import Path


def main() -> int:
    database, dag_id, task_id = sys.argv[1:4]
    uri = Path(database).resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        row = connection.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = 'return_value'"
            " ORDER BY timestamp DESC LIMIT 1",
            (dag_id, task_id),
        ).fetchone()
    print(row[0] if row else "null")
    return 0


if __name__ == "__main__":
    sys.exit(main())
