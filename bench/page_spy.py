"""Where a served page's time goes: py-spy on one gunicorn worker while wrk drives it.

Starts `fieldwork serve` (1 sync worker) as page_speed.py does, brings 16 respondents to
the first question page, runs wrk for `-d` seconds with GET or POST, and has py-spy
(installed separately: pip install py-spy) record the worker; prints py-spy's top
functions by their share of the samples (inclusive).

.venv/bin/python bench/page_spy.py [--method GET|POST] [-d 10] [--url …] [--top 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from harness import ROOT, Server, free_port, server_env
from page_speed import CONNECTIONS, _at_first_questions, _lua, wrk
from respondent_pages import database, make_app

from fieldwork.db import db


def summary(stacks: str, top: int) -> None:
    """Inclusive share of samples per function, from py-spy's raw (collapsed) stacks."""
    inclusive: Counter = Counter()
    total = 0
    for line in stacks.splitlines():
        frames, _, count = line.rpartition(" ")
        total += int(count)
        for frame in set(frames.split(";")):
            inclusive[frame] += int(count)
    for frame, count in inclusive.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame[:150]}")


def main() -> None:
    """Run the server, wrk and py-spy; print py-spy's summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="GET", choices=("GET", "POST"))
    parser.add_argument("-d", "--seconds", type=int, default=10)
    parser.add_argument("--url")
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    with database(args.url) as url:
        app, instrument, codes = make_app(url, CONNECTIONS)
        with app.app_context():
            db.engine.dispose()
        server = Server(free_port(), server_env(url, ROOT / "instruments"), workers=1)
        server.access_log = "/dev/null"
        try:
            server.start()
            sessions = [
                _at_first_questions(server.url, code, instrument, n)
                for n, code in enumerate(codes[:CONNECTIONS])
            ]
            children = subprocess.run(
                ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
            ).stdout.split()
            worker = children[0]
            raw = Path(tempfile.mkdtemp()) / "stacks.txt"
            spy = subprocess.Popen(
                [
                    *(str(Path(sys.executable).with_name("py-spy")), "record", "-p", worker),
                    *("-o", str(raw), "-f", "raw", "-r", "250", "-d", str(args.seconds)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            run = wrk(server.url, args.seconds, _lua(args.method, sessions))
            spy.wait()
            print(f"{args.method}: {run.rate:.0f} req/s, p99 {run.p99:.1f} ms, {run.bad} bad")
            summary(raw.read_text(), args.top)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
