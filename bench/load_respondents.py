"""Load: many respondents complete the patient survey at once against gunicorn.

Starts `fieldwork serve` (2 sync workers) on SQLite (a temporary file) and, with --url,
on PostgreSQL (a schema made and dropped); every respondent answers every page it is
routed to, with answers of its own, and sends. Then checks the database holds exactly
the answers sent (none lost, none duplicated) and that no response was a 5xx, and prints
completions per second and p50/p99 request latency. `--kill` SIGKILLs the server when a
third of the pages are saved, restarts it, and lets everyone resume.

.venv/bin/python bench/load_respondents.py [-n 200] [--kill] [--url postgresql+psycopg://…/test]
"""

from __future__ import annotations

import argparse
import threading
import time

from harness import ROOT, Respondent, Server, differences, free_port, run_load, server_env
from respondent_pages import database, make_app

from fieldwork.db import db


def _killer(server: Server, respondents: list[Respondent], after_posts: int) -> threading.Thread:
    """SIGKILL the server once `after_posts` redirects were answered, then restart it."""

    def watch() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if sum(s == 302 for r in respondents for s in list(r.statuses)) >= after_posts:
                server.kill()
                print(f"  SIGKILL after {after_posts} saved posts; restarting")
                time.sleep(0.5)
                server.start()
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def run(url: str | None, count: int, workers: int, kill: bool) -> bool:
    """One backend: load, check, print; True when the database holds exactly what was sent."""
    with database(url) as db_url:
        app, instrument, codes = make_app(db_url, count)
        with app.app_context():
            db.engine.dispose()
        respondents = [Respondent(code, instrument, n) for n, code in enumerate(codes[:count])]
        server = Server(free_port(), server_env(db_url, ROOT / "instruments"), workers)
        server.access_log = "/dev/null"
        server.start()
        try:
            watcher = _killer(server, respondents, count * 4) if kill else None
            result = run_load(respondents, [server.url], limit_seconds=900)
            if watcher:
                watcher.join(5)
        finally:
            server.stop()
        wrong = differences(app, respondents)
    done = sum(r.done for r in respondents)
    requests = len(result.latencies)
    print(
        f"  {done}/{count} completed in {result.seconds:.1f} s = {done / result.seconds:.1f}"
        f" completions/s; {requests} requests, p50 {result.percentile(50):.0f} ms,"
        f" p99 {result.percentile(99):.0f} ms; 5xx: {result.server_errors};"
        f" client errors: {len(result.errors)}; database differs for {len(wrong)} respondents"
    )
    for line in (result.errors + wrong)[:5]:
        print("   ", line)
    return not wrong and not result.errors and result.server_errors == 0 and done == count


def main() -> None:
    """Run on SQLite, and on PostgreSQL when --url is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--respondents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server mid-load")
    parser.add_argument("--url", help="also PostgreSQL at this URL")
    args = parser.parse_args()
    kill = ", SIGKILL and restart mid-load" if args.kill else ""
    print(
        f"{args.respondents} respondents at once, patient survey, gunicorn -w {args.workers}{kill}"
    )
    ok = True
    for name, url in (("SQLite", None), ("PostgreSQL", args.url)):
        if name == "SQLite" or url:
            print(name)
            ok = run(url, args.respondents, args.workers, args.kill) and ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
