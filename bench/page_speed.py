"""Respondent page speed as served: the patient survey's first question page under gunicorn.

In one run, for each database: a bare Flask "hello" and the app, each under gunicorn with
2 sync workers, driven by wrk with 16 connections for `-d` seconds: GET of the first
question page, and POST (a valid save of it) by 16 respondents in turn. Prints requests
per second, the ratio to hello (the mean of hello just before and just after) and the
99th percentile latency; and the server workers' CPU per request (from /proc), with
hello's over the page's: the ratio the machine's other load disturbs least.
Goal: each >= 0.2x hello, p99 <= 50 ms.

A second baseline, "bare save" (bench/bare_save.py), is run the same way on the same
database: Flask with a signed session and CSRF check, one UPDATE of 40 numbers, commit,
redirect; the least a durable page save costs on this stack, beside the real POST.
A third, "floor save" (bench/floor_save.py), adds what no page save can leave out: the
stored answers read in the save's transaction, and the page's form built and checked
by `forms.web` (WTForms), before its UPDATE; nothing beyond the page.

.venv/bin/python bench/page_speed.py [-d 10] [--url postgresql+psycopg://…/test]
(needs wrk: apt-get install -y wrk)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

import httpx
from harness import ROOT, Server, free_port, page_body, past_consent, server_env, token
from respondent_pages import database, make_app

from fieldwork.db import db

HERE = Path(__file__).resolve().parent
CONNECTIONS = 16
FIRST_QUESTIONS = "/page/2"


def _at_first_questions(url: str, code: str, instrument, seed: int) -> tuple[str, str]:
    """Bring one respondent to the first question page: (Cookie header, POST body)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post("/", data={"code": code, "csrf_token": token(client.get("/").text)})
        data = {"language": "en", "csrf_token": token(client.get("/welcome").text)}
        location = past_consent(client, client.post("/welcome", data=data).headers["location"])
        notes = client.post(location, data={"csrf_token": token(client.get(location).text)})
        assert notes.headers["location"] == FIRST_QUESTIONS, notes.headers.get("location")
        html = client.get(FIRST_QUESTIONS).text
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, page_body(instrument, 2, html, seed)


def _lua(method: str, sessions: list[tuple[str, str]], path: str = FIRST_QUESTIONS) -> str:
    """A wrk script sending `method` requests for the sessions in turn."""
    rows = ",\n".join(
        f"{{{_lua_string(cookie)}, {_lua_string(body)}}}" for cookie, body in sessions
    )
    return f"""
local sessions = {{ {rows} }}
local i = 0
request = function()
  i = i % #sessions + 1
  local s = sessions[i]
  local headers = {{["Cookie"] = s[1]}}
  if "{method}" == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", "{path}", headers, s[2])
  end
  return wrk.format("GET", "{path}", headers)
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Run(NamedTuple):
    """What one wrk run measured."""

    rate: float  # requests per second
    p99: float  # ms
    bad: int  # responses not 2xx/3xx
    requests: int


def wrk(url: str, seconds: int, script: str | None = None) -> Run:
    """Requests per second, p99 ms, non-2xx/3xx responses and requests of one wrk run."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command[1:1] = ["-s", lua.name]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    found = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    p99 = float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return Run(rate, p99, int(bad.group(1)) if bad else 0, requests)


def worker_cpu(server: Server) -> float:
    """CPU seconds (user and system) used so far by a server's worker processes."""
    found = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True)
    ticks = 0
    for pid in found.stdout.split():
        fields = Path(f"/proc/{int(pid)}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (proc(5) fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def served(server: Server, url: str, seconds: int, script: str | None = None):
    """A wrk run and the server's worker CPU ms per request during it."""
    before = worker_cpu(server)
    run = wrk(url, seconds, script)
    return run, (worker_cpu(server) - before) * 1000 / max(run.requests, 1)


def _baseline(app: str, *options: str, **env: str) -> Server:
    """A baseline app of this folder (`module:app`) under gunicorn with 2 sync workers."""
    server = Server(free_port(), server_env("sqlite://", **env), workers=2)
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{server.port}"]
    server.command = [
        *command,
        *options,
        "--access-logfile",
        "/dev/null",
        "--chdir",
        str(HERE),
        app,
    ]
    return server


def _hello() -> Server:
    return _baseline("hello:app")


def _save_baseline(name: str, url: str) -> Server:
    """A save baseline (`bare_save`, `floor_save`) on the same database (an SQLite file
    of its own)."""
    if url.startswith("sqlite:///"):
        url = str(Path(url.removeprefix("sqlite:///")).with_name(f"{name}.sqlite"))
        url = f"sqlite:///{url}"
    return _baseline(f"{name}:app", "--preload", **{f"{name.upper()}_DATABASE_URL": url})


def _bare_sessions(url: str, bodies: list[str]) -> list[tuple[str, str]]:
    """(Cookie header, POST body) for each respondent of the bare save: the page's fields."""
    sessions = []
    for row, body in enumerate(bodies, start=1):
        with httpx.Client(base_url=url, timeout=30) as client:
            csrf = client.get(f"/start/{row}").text
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        fields = [(k, v) for k, v in parse_qsl(body, keep_blank_values=True) if k != "csrf_token"]
        sessions.append((cookie, urlencode([("csrf_token", csrf), *fields])))
    return sessions


def _hello_line(run: Run, cpu: float) -> str:
    return (
        f"  Flask hello: {run.rate:7.0f} req/s, p99 {run.p99:6.1f} ms;"
        f" worker CPU {cpu:.2f} ms/request"
    )


def measure(backend_url: str | None, seconds: int, log: Path | None = None) -> list[str]:
    """Hello, GET and POST for one database; lines to print (the server's own output
    appended to `log` when given)."""
    with database(backend_url) as url:
        app, instrument, codes = make_app(url, CONNECTIONS)
        with app.app_context():
            db.engine.dispose()
        env = server_env(url, ROOT / "instruments")
        hello, fieldwork, bare, floor = (
            _hello(),
            Server(free_port(), env, workers=2, access_log="/dev/null", log=log),
            _save_baseline("bare_save", url),
            _save_baseline("floor_save", url),
        )
        lines = []
        try:
            hello.start()
            fieldwork.start()
            bare.start()
            floor.start()
            sessions = [
                _at_first_questions(fieldwork.url, code, instrument, n)
                for n, code in enumerate(codes[:CONNECTIONS])
            ]
            bodies = [body for _cookie, body in sessions]
            bare_sessions = _bare_sessions(bare.url, bodies)
            floor_sessions = _bare_sessions(floor.url, bodies)
            runs = [
                (f"GET  {FIRST_QUESTIONS}", fieldwork, _lua("GET", sessions)),
                (f"POST {FIRST_QUESTIONS}", fieldwork, _lua("POST", sessions)),
                ("bare save", bare, _lua("POST", bare_sessions, "/save")),
                ("floor save", floor, _lua("POST", floor_sessions, "/save")),
            ]
            # Hello before and after each page run: the ratio is to their mean, so a machine
            # whose load changes during the run skews it less.
            base, base_cpu = served(hello, hello.url + "/", seconds)
            lines.append(_hello_line(base, base_cpu))
            for name, server, script in runs:
                run, cpu = served(server, server.url, seconds, script)
                after, after_cpu = served(hello, hello.url + "/", seconds)
                mean, mean_cpu = (base.rate + after.rate) / 2, (base_cpu + after_cpu) / 2
                lines.append(
                    f"  {name:12}: {run.rate:7.0f} req/s ="
                    f" {run.rate / mean:.2f}x hello, p99 {run.p99:6.1f} ms,"
                    f" {run.bad} responses not 2xx/3xx; worker CPU {cpu:.2f} ms/request,"
                    f" hello's / this {mean_cpu / cpu:.2f}x"
                )
                lines.append(_hello_line(after, after_cpu))
                base, base_cpu = after, after_cpu
        finally:
            floor.stop()
            bare.stop()
            fieldwork.stop()
            hello.stop()
    return lines


def main() -> None:
    """Measure on SQLite, and on PostgreSQL when --url is given; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--url", help="also PostgreSQL at this URL (a schema is made, dropped)")
    parser.add_argument("--server-log", type=Path, help="append the app server's output here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    print(f"gunicorn 2 sync workers, wrk {CONNECTIONS} connections, {args.seconds} s per run")
    for name, url in (("SQLite", None), ("PostgreSQL", args.url)):
        if name == "SQLite" or url:
            print(name)
            print("\n".join(measure(url, args.seconds, args.server_log)))


if __name__ == "__main__":
    main()
