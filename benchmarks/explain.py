"""The queries of each page of the load benchmark on the large data set, slowest first, with
PostgreSQL's plan for the slow ones (the notes in benchmarks/EXPLAIN.md come from this).

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_bench \\
        uv run python benchmarks/explain.py [--slower-than 2] [--analyze]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import prepare_sessions  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slower-than", type=float, default=2.0, help="毫秒")
    parser.add_argument("--analyze", action="store_true", help="EXPLAIN ANALYZE")
    parser.add_argument("--page", help="只看名称含此文字的页面")
    args = parser.parse_args()
    pages, _ = prepare_sessions()

    from urllib.parse import unquote

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for label, cookie, path in pages:
        if args.page and args.page not in label:
            continue
        client = Client()
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        client.get(unquote(path))
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(unquote(path))
        wall = (time.perf_counter() - began) * 1000
        total = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"== {label} {path}: {response.status_code}，{wall:.1f} ms；"
            f"{len(queries)} 条查询，共 {total:.1f} ms"
        )
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"])):
            ms = float(q["time"]) * 1000
            if ms < args.slower_than or not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            print(f"  {ms:7.1f} ms  {q['sql'][:240]}")
            with connection.cursor() as cursor:
                prefix = "EXPLAIN (ANALYZE, BUFFERS)" if args.analyze else "EXPLAIN"
                cursor.execute(f"{prefix} {q['sql']}")
                for (line,) in cursor.fetchall():
                    print(f"      {line}")


if __name__ == "__main__":
    main()
