"""Acknowledgement latency of a real ``allybot serve`` under concurrent signed clients.

Starts a Slack fake, then the bot as its own process on SQLite and on PostgreSQL,
and drives it with N concurrent clients sending signed slash commands over real
HTTP (a mix: ``help``, ``status``, ``pause 2 weeks``, ``resume``). Reports
p50/p99/max acknowledgement time and errors (connection resets, timeouts, 5xx)
for:

* ``waitress``: the bot as ``allybot serve`` runs it now;
* ``wsgiref`` (baseline, same run): the same app behind Python's ``wsgiref``
  threading server with its listen backlog of 5, which ``serve`` used before.

Scenarios: ``burst`` (all clients start at once, each sends its requests back to
back) and ``paced`` (each client waits 0-400 ms between requests, like people).
With ``--round`` it also times requests while a round for that many members is
planned and written (``/ally admin pair run``, acknowledged at once), on SQLite.

Run: ``python -m benchmarks.http_load [--clients 50] [--requests 20] [--quick]
[--round 10000] [--no-postgres]``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.slackfake import FakeUser, SlackFake
from tests.support.slack_requests import SlackSender

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
ADMIN = "U0ADMIN00"
MIX = ("help", "status", "pause 2 weeks", "resume")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the bot exited during start-up")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the bot never became healthy")


@contextmanager
def bot_process(server: str, database_url: str, fake: SlackFake, cwd: Path) -> Iterator[str]:
    """``allybot serve`` (waitress) or the wsgiref baseline, as a separate process."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME")},
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ALLYBOT_TICK_SECONDS": "3600",
        "ALLYBOT_ADMINS": ADMIN,
        "LOG_LEVEL": "WARNING",
    }
    if server == "waitress":
        cmd = [sys.executable, "-m", "bot", "serve"]
    else:
        cmd = [sys.executable, "-m", "benchmarks.http_load", "--wsgiref-baseline"]
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve_wsgiref_baseline() -> None:
    """The server ``allybot serve`` used before: wsgiref, threads, backlog 5."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from bot.app import create_app
    from bot.core.config import load_settings
    from storage import migrate
    from storage.db import Database

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    settings = load_settings()
    migrate.upgrade(Database(settings.database_url))
    bot = create_app(settings)
    httpd = make_server(
        settings.host, settings.port, bot.wsgi(), server_class=Server, handler_class=Quiet
    )
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    httpd.serve_forever()
    bot.close()


def enrol(url: str, fake: SlackFake, users: list[str]) -> None:
    sender = SlackSender(url, SECRET, team_id=fake.team_id, fake_url=fake.root_url + "/")
    for user in users:
        sender.command(user, "join ally")


def run_clients(
    url: str, fake: SlackFake, users: list[str], requests: int, think: float
) -> tuple[list[float], list[str]]:
    """Each user is one client; returns latencies (s) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def client(user: str, seed: int) -> None:
        rnd = random.Random(seed)
        sender = SlackSender(url, SECRET, team_id=fake.team_id, fake_url=fake.root_url + "/")
        barrier.wait()
        for i in range(requests):
            if think:
                time.sleep(rnd.uniform(0, think))
            started = time.perf_counter()
            try:
                reply = sender.command(user, MIX[i % len(MIX)])
                took = time.perf_counter() - started
                problem = f"HTTP {reply.status}" if reply.status != 200 else None
            except (OSError, urllib.error.URLError) as exc:
                took, problem = time.perf_counter() - started, type(exc).__name__
            with lock:
                latencies.append(took)
                if problem:
                    errors.append(problem)

    threads = [threading.Thread(target=client, args=(u, i)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def line(label: str, latencies: list[float], errors: list[str]) -> str:
    kinds = ", ".join(f"{k} x{errors.count(k)}" for k in sorted(set(errors))) or "none"
    return (
        f"{label:<34} {len(latencies):>6} {pct(latencies, 0.5) * 1000:>8.1f} "
        f"{pct(latencies, 0.99) * 1000:>8.1f} {max(latencies, default=0) * 1000:>8.1f}   {kinds}"
    )


HEADER = f"{'server / scenario':<34} {'reqs':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   errors"


def bulk_members(database_url: str, n: int) -> None:
    """``n`` active members (allies and colleagues) written straight to the database."""
    from sqlalchemy import insert, select

    from storage import members as members_store
    from storage.db import Database
    from storage.models import Member, ProgrammeMember

    db = Database(database_url)
    now = datetime.now(UTC)
    with db.transaction() as s:
        members_store.ensure_workspace(s, "T0ALLYBOT", now)
        programme_id = members_store.default_programme_id(s, "T0ALLYBOT")
        s.execute(
            insert(Member),
            [
                {
                    "team_id": "T0ALLYBOT",
                    "user_id": f"U9{i:07d}",
                    "role": "colleague" if i % 5 < 2 else "ally",
                    "status": "active",
                    "tz": "Europe/London",
                    "tz_offset_seconds": 0,
                    "joined_at": now,
                }
                for i in range(n)
            ],
        )
        ids = s.scalars(select(Member.id).where(Member.user_id.like("U9%"))).all()
        s.execute(
            insert(ProgrammeMember),
            [{"programme_id": programme_id, "member_id": m, "added_at": now} for m in ids],
        )
    db.dispose()


def during_round(
    url: str, fake: SlackFake, users: list[str], database_url: str, n: int
) -> tuple[list[float], list[str], float, float]:
    """Latencies of other requests while ``/ally admin pair run`` plans and stores a round."""
    from sqlalchemy import text

    from storage.db import Database

    admin = SlackSender(url, SECRET, team_id=fake.team_id, fake_url=fake.root_url + "/")
    started = time.perf_counter()
    ack = admin.command(ADMIN, "admin pair run", follow=False)
    ack_s = time.perf_counter() - started
    if ack.status != 200:
        raise RuntimeError(f"pair run answered {ack.status}")
    done = threading.Event()
    results: tuple[list[float], list[str]] = ([], [])

    def load() -> None:
        while not done.is_set():
            lat, err = run_clients(url, fake, users, 4, 0.2)
            results[0].extend(lat)
            results[1].extend(err)

    loader = threading.Thread(target=load)
    loader.start()
    db = Database(database_url)
    while True:
        with db.read() as s:
            pending = s.execute(text("SELECT report FROM pairing_round")).scalars().all()
        if pending and all("pending" not in (r or {}) for r in pending):
            break
        time.sleep(0.2)
    round_s = time.perf_counter() - started
    done.set()
    loader.join()
    db.dispose()
    return results[0], results[1], ack_s, round_s


def run(args: argparse.Namespace) -> None:
    users = [f"U0LOAD{i:03d}" for i in range(args.clients)]
    fake_users = [FakeUser(id=u) for u in [*users, ADMIN]]
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgres"])
    print(
        f"allybot serve under load: {args.clients} concurrent signed clients, "
        f"{args.requests} requests each ({', '.join(MIX)})"
    )
    print(HEADER)
    pg = None
    if "postgres" in backends:
        from tests.support.pgserver import PostgresServer

        pg = PostgresServer().__enter__()
    try:
        with (
            SlackFake(users=fake_users, tokens=[TOKEN]) as fake,
            tempfile.TemporaryDirectory() as tmp,
        ):
            for backend in backends:
                for server in ("waitress", "wsgiref"):
                    for scenario, think in (("burst", 0.0), ("paced", 0.4)):
                        name = f"b{time.time_ns()}"
                        if backend == "sqlite":
                            database_url = f"sqlite:///{Path(tmp) / (name + '.db')}"
                        else:
                            assert pg is not None
                            database_url = pg.create_database(name)
                        with bot_process(server, database_url, fake, Path(tmp)) as url:
                            enrol(url, fake, users)
                            run_clients(url, fake, users, 2, 0.0)  # warm up, not measured
                            lat, err = run_clients(url, fake, users, args.requests, think)
                        print(line(f"{backend} {server} {scenario}", lat, err))
            if args.round:
                database_url = f"sqlite:///{Path(tmp) / 'round.db'}"
                with bot_process("waitress", database_url, fake, Path(tmp)) as url:
                    enrol(url, fake, users)
                    bulk_members(database_url, args.round)
                    lat, err, ack_s, round_s = during_round(
                        url, fake, users, database_url, args.round
                    )
                print(line(f"sqlite waitress during {args.round:,} round", lat, err))
                print(
                    f"  /ally admin pair run acknowledged in {ack_s * 1000:.0f} ms; round "
                    f"planned and stored in {round_s:.1f} s"
                )
    finally:
        if pg is not None:
            pg.__exit__(None, None, None)
    print("target: p99 < 100 ms with 0 errors at 50 clients (waitress); baseline for comparison")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--round", type=int, default=0, help="members in a round run meanwhile")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="20 clients, 8 requests, SQLite")
    parser.add_argument("--wsgiref-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.wsgiref_baseline:
        serve_wsgiref_baseline()
        return
    if args.quick:
        args.clients, args.requests, args.no_postgres = 20, 8, True
    run(args)


if __name__ == "__main__":
    main()
