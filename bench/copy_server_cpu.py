"""Server CPU of `COPY (query) TO STDOUT (FORMAT csv)`, read and dropped, queries alternating.

The backend's own CPU (user + system, from /proc/<backend pid>/stat: the server must run on
this machine) is steadier than wall time on a shared machine. Each query is a file of SQL.

.venv/bin/python bench/copy_server_cpu.py --url postgresql://postgres@127.0.0.1:5432/db \\
    --schema exp --rounds 4 bare=/tmp/bare.sql old=/tmp/old.sql new=/tmp/new.sql
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import psycopg


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, schema: str, sql: str) -> tuple[float, float, int]:
    """(wall s, backend CPU s, bytes) of one COPY of `sql`, in a connection of its own."""
    options = f"-csearch_path={schema}" if schema else ""
    with psycopg.connect(url, options=options) as conn, conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")  # as the export does
        pid, size = conn.info.backend_pid, 0
        cpu, started = _cpu(pid), time.perf_counter()
        with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                size += len(block)
        return time.perf_counter() - started, _cpu(pid) - cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="postgresql://… (psycopg's form)")
    parser.add_argument("--schema", default="", help="search_path to set")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("queries", nargs="+", help="name=file.sql")
    options = parser.parse_args()
    queries = {}
    for pair in options.queries:
        name, _, path = pair.partition("=")
        queries[name] = Path(path).read_text().strip().rstrip(";")
    found: dict[str, list[float]] = {name: [] for name in queries}
    for at in range(options.rounds):
        for name, sql in queries.items():
            wall, cpu, size = measure(options.url, options.schema, sql)
            found[name].append(cpu)
            print(
                f"round {at + 1} {name:12} {wall:6.2f} s wall, server CPU {cpu:6.2f} s, "
                f"{size / 1e6:6.1f} MB | load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for name, cpus in found.items():
        rounds = " ".join(f"{c:.2f}" for c in cpus)
        print(f"{name:12} server CPU median {statistics.median(cpus):.2f} s ({rounds})")


if __name__ == "__main__":
    main()
