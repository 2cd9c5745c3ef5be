"""A throwaway PostgreSQL server for the test suite.

Why this exists: the storage layer must behave the same on PostgreSQL as on SQLite, and
the only honest way to know is to run the tests against a real server. Docker is not
available everywhere the suite runs, so instead we drive the stock PostgreSQL server
binaries directly: ``initdb`` a cluster into a temp directory, start it on a free
loopback port with durability switched off (tests never need crash safety, and fsync is
what makes a cold PostgreSQL slow), hand out one fresh database per test, and delete
everything afterwards.

If ``ALLYBOT_TEST_POSTGRES_URL`` is set (for example in a CI job that provides a
PostgreSQL service container) that server is used instead and nothing is started.

This module deliberately does not import pytest so that the lead's ``conftest.py`` can
wrap it in whatever fixture scope it likes, and so that ``python3 tests/pgserver.py
--find-bindir`` works with a bare interpreter (the Makefile uses that to decide whether
PostgreSQL must be installed). psycopg is therefore imported lazily, only when a
connection is actually needed.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

ENV_URL = "ALLYBOT_TEST_POSTGRES_URL"
"""Environment variable naming an existing server to use instead of starting one."""

DIR_ENV = "ALLYBOT_TEST_POSTGRES_DIR"
"""Optional parent directory for the throwaway cluster (default: /dev/shm or /tmp)."""

_MIN_SHM_FREE_BYTES = 1 << 30
"""Only use /dev/shm with at least this much free: a cluster is ~40 MB plus ~8 MB/db."""

SUPERUSER = "allybot"
"""Superuser created by initdb; trust auth means no password is needed."""

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
"""Executables that must all live in one directory for us to run a server."""

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH, via "
    "`pg_config --bindir`, or under /usr/lib/postgresql/*/bin. Install them with "
    "`apt-get install postgresql` (Debian/Ubuntu; `make postgres-bin` does this when run "
    "as root), or point "
    f"{ENV_URL} at an existing server, e.g. "
    f"{ENV_URL}=postgresql+psycopg://user@host:5432/postgres"
)

_DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
"""Database names we accept; restricting them makes quoting them in SQL trivially safe."""

_START_TIMEOUT_S = 60
_START_ATTEMPTS = 3
"""Picking a free port and binding it later is racy; a couple of retries absorb that."""


class PostgresUnavailable(RuntimeError):
    """Raised when no PostgreSQL server can be started or reached.

    A dedicated type lets ``conftest.py`` decide whether that is a skip or a failure.
    """


def _has_server_binaries(directory: Path) -> bool:
    """True if *directory* holds every executable we need to run a server."""
    return all(os.access(directory / name, os.X_OK) for name in SERVER_BINARIES)


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin`` so that 16 beats 9.6."""
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (-1,)


def find_bindir() -> Path | None:
    """Locate a directory containing ``initdb``, ``pg_ctl`` and ``postgres``.

    The search order mirrors how people install PostgreSQL: something deliberately put
    on PATH wins, then whatever ``pg_config`` reports (it knows the installed layout),
    then the Debian/Ubuntu versioned directories, which are *not* on PATH by default,
    newest first.
    """
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        # Check both the PATH entry and its symlink target: pg_ctl may be a lone
        # symlink (Debian's wrapper setups) while its siblings sit next to the target.
        for candidate in (Path(on_path).parent, Path(on_path).resolve().parent):
            if _has_server_binaries(candidate):
                return candidate

    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout.strip()
            if out and _has_server_binaries(Path(out)):
                return Path(out)

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _has_server_binaries(Path(candidate)):
            return Path(candidate)
    return None


def _pick_parent_dir(run_as: str | None) -> str | None:
    """Choose where the cluster's temp directory goes.

    ``$ALLYBOT_TEST_POSTGRES_DIR`` wins if set. Otherwise prefer ``/dev/shm`` when it is
    a roomy tmpfs: measured on an ext4-backed /tmp, CREATE DATABASE took ~270 ms and
    server start ~1.4 s, against ~15 ms and ~0.45 s on tmpfs, and per-test databases
    make that difference add up. Docker's default 64 MiB /dev/shm is too small for a
    cluster, hence the free-space check. As root the fallback is /tmp rather than
    TMPDIR, because the ``postgres`` user must be able to traverse every parent.
    """
    override = os.environ.get(DIR_ENV)
    if override:
        return override
    shm = "/dev/shm"
    with contextlib.suppress(OSError):
        st = os.statvfs(shm)
        world_usable = os.stat(shm).st_mode & 0o003 == 0o003  # o+wx: anyone may use it
        if st.f_bavail * st.f_frsize >= _MIN_SHM_FREE_BYTES and world_usable:
            return shm
    return "/tmp" if run_as else None


def _free_port() -> int:
    """Ask the kernel for an unused loopback port (PostgreSQL binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env() -> dict[str, str]:
    """Environment for child processes with libpq/pg settings removed.

    A developer's PGHOST/PGPORT/PGDATA/PGUSER would otherwise silently redirect
    ``pg_ctl`` or our connections to their own server. A fixed C locale keeps initdb
    from failing on a LANG that is not generated on this machine.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _to_conninfo(url: str) -> str:
    """Turn a SQLAlchemy URL into a libpq URI by dropping the ``+driver`` suffix."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return urlunsplit(("postgresql", *parts[1:]))


def _to_sqlalchemy_url(url: str) -> str:
    """Normalise any PostgreSQL URL to use the psycopg (v3) SQLAlchemy dialect."""
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


def _with_database(url: str, name: str) -> str:
    """Return *url* pointing at database *name*, keeping host, user and query intact."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _check_db_name(name: str) -> str:
    """Reject names that would need quoting gymnastics; see ``_DB_NAME_RE``."""
    if not _DB_NAME_RE.fullmatch(name):
        raise ValueError(
            f"database name {name!r} must match {_DB_NAME_RE.pattern} (lowercase identifier)"
        )
    return name


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts TCP connections on *host*:*port* (used after stop)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect((host, port))
        except OSError:
            return False
        return True


def _is_postgres_process(pid: int) -> bool:
    """True if *pid* is alive and its command line mentions postgres (Linux /proc)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"postgres" in cmdline


class PostgresServer:
    """A private PostgreSQL cluster (or an external one) with per-test databases.

    Usage::

        with PostgresServer() as pg:
            url = pg.create_database("test_abc")
            engine = sqlalchemy.create_engine(url)
            ...
            pg.drop_database("test_abc")
    """

    def __init__(self, external_url: str | None = None) -> None:
        """Prepare, but do not start, a server.

        *external_url* defaults to ``$ALLYBOT_TEST_POSTGRES_URL``; when it is set, no
        server is started and databases are created on that server instead.
        """
        if external_url is None:
            external_url = os.environ.get(ENV_URL) or None
        self._external_url = _to_sqlalchemy_url(external_url) if external_url else None
        self._bindir: Path | None = None
        self._base_dir: Path | None = None
        self._port: int | None = None
        self._started = False
        self._created: set[str] = set()
        self._run_as: str | None = None

    # -- public properties -------------------------------------------------------------

    @property
    def external(self) -> bool:
        """True when we are borrowing an existing server rather than running our own."""
        return self._external_url is not None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the maintenance database (``postgres``) on the server."""
        self._require_started()
        if self._external_url is not None:
            return self._external_url
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self._port}/postgres"

    @property
    def port(self) -> int:
        """TCP port of the server (for an external server, as given in its URL)."""
        self._require_started()
        if self._external_url is not None:
            return urlsplit(self._external_url).port or 5432
        assert self._port is not None
        return self._port

    @property
    def base_dir(self) -> Path | None:
        """Temp directory holding data, socket and log; ``None`` for an external server."""
        return self._base_dir

    @property
    def bindir(self) -> Path | None:
        """Directory of the server binaries in use; ``None`` for an external server."""
        return self._bindir

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> PostgresServer:
        """Start the server (or check the external one is reachable); idempotent.

        On any failure everything already created is torn down before re-raising, so a
        broken start never leaves a postmaster or a temp directory behind.
        """
        if self._started:
            return self
        if self._external_url is not None:
            self._wait_ready(_to_conninfo(self._external_url), timeout_s=10)
            self._started = True
            atexit.register(self.stop)
            return self

        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable(INSTALL_HINT)
        self._bindir = bindir
        self._run_as = self._pick_run_as_user()
        atexit.register(self.stop)
        try:
            self._make_base_dir()
            self._initdb()
            self._start_server()
            self._started = True
            self._wait_ready(self._admin_conninfo(), timeout_s=_START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server and delete its directory; safe to call repeatedly.

        For an external server we only drop the databases we created and forgot to drop,
        since the server itself is not ours to stop.
        """
        atexit.unregister(self.stop)
        if self._external_url is not None:
            if self._started:
                for name in sorted(self._created):
                    with contextlib.suppress(Exception):
                        self.drop_database(name)
            self._started = False
            return
        try:
            self._stop_server()
        finally:
            if self._base_dir is not None:
                shutil.rmtree(self._base_dir, ignore_errors=True)
                self._base_dir = None
            self._started = False
            self._port = None
            self._created.clear()

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create an empty database *name* and return its SQLAlchemy URL.

        One database per test is the cheapest real isolation PostgreSQL offers: it is
        far quicker than a new cluster and, unlike transaction rollback, lets the code
        under test commit. An existing database of that name is dropped first so that a
        crashed earlier run cannot leak state into this one.
        """
        self._require_started()
        _check_db_name(name)
        self._admin_execute(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'",
        )
        self._created.add(name)
        return _with_database(self.url, name)

    def drop_database(self, name: str) -> None:
        """Drop database *name*, disconnecting any sessions a test left open."""
        self._require_started()
        _check_db_name(name)
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.discard(name)

    # -- internals ---------------------------------------------------------------------

    def _require_started(self) -> None:
        if not self._started:
            raise RuntimeError("PostgresServer is not running; call start() first")

    def _admin_conninfo(self) -> str:
        return _to_conninfo(self.url if self._started else self._own_url())

    def _own_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self._port}/postgres"

    def _admin_execute(self, *statements: str) -> None:
        """Run statements on the maintenance database in autocommit mode.

        CREATE/DROP DATABASE cannot run inside a transaction block, hence autocommit.
        """
        import psycopg  # lazily: see the module docstring

        with psycopg.connect(self._admin_conninfo(), autocommit=True, connect_timeout=10) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    @staticmethod
    def _wait_ready(conninfo: str, timeout_s: float) -> None:
        """Poll until ``SELECT 1`` succeeds.

        ``pg_ctl -w`` already waits for the postmaster, but a real query is the only
        check that proves our exact connection parameters (host, port, user) work.
        """
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise PostgresUnavailable(
                "psycopg is not installed; run `pip install -e '.[dev]'`"
            ) from exc

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with psycopg.connect(conninfo, connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() >= deadline:
                    raise PostgresUnavailable(
                        f"PostgreSQL at {conninfo} not ready after {timeout_s}s: {exc}"
                    ) from exc
                time.sleep(0.05)

    @staticmethod
    def _pick_run_as_user() -> str | None:
        """PostgreSQL refuses to run as root, so as root we borrow the ``postgres`` user."""
        if os.geteuid() != 0:
            return None
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable(
                "running as root, and PostgreSQL refuses to run as root, but there is no "
                "`postgres` system user to run it as; `apt-get install postgresql` creates "
                "one (or run the tests as an unprivileged user)"
            ) from exc
        return "postgres"

    def _make_base_dir(self) -> None:
        """Create the private temp dir (owned by the server's user when we are root)."""
        base = Path(tempfile.mkdtemp(prefix="allybot-pg-", dir=_pick_parent_dir(self._run_as)))
        self._base_dir = base
        (base / "socket").mkdir()
        if self._run_as:
            import pwd

            entry = pwd.getpwnam(self._run_as)
            for path in (base, base / "socket"):
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def _command(self, argv: list[str]) -> list[str]:
        """Wrap *argv* so it runs as the unprivileged server user when needed."""
        if self._run_as is None:
            return argv
        runuser = shutil.which("runuser")
        if runuser is not None:
            return [runuser, "-u", self._run_as, "--", *argv]
        su = shutil.which("su") or "su"
        return [su, self._run_as, "-s", "/bin/sh", "-c", shlex.join(argv)]

    def _run(self, argv: list[str], timeout_s: float, what: str) -> None:
        """Run a server tool, turning failures into errors that include its output."""
        assert self._base_dir is not None
        try:
            proc = subprocess.run(
                self._command(argv),
                cwd=self._base_dir,  # the server user may not be able to read our cwd
                env=_clean_env(),
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresUnavailable(f"{what} timed out after {timeout_s}s") from exc
        if proc.returncode != 0:
            raise PostgresUnavailable(
                f"{what} failed (exit {proc.returncode}): {shlex.join(argv)}\n"
                f"{proc.stdout}\n{proc.stderr}{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        if self._base_dir is None:
            return ""
        log = self._base_dir / "server.log"
        try:
            lines = log.read_text(errors="replace").splitlines()[-20:]
        except OSError:
            return ""
        return "\n--- server.log (tail) ---\n" + "\n".join(lines)

    def _initdb(self) -> None:
        """Create the cluster with settings tuned for speed, not durability."""
        assert self._bindir is not None and self._base_dir is not None
        data = self._base_dir / "data"
        self._run(
            [
                str(self._bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
            timeout_s=180,
            what="initdb",
        )
        # Settings go into the config file rather than on the command line so that
        # quoting through runuser/su can never mangle them. The port is the only thing
        # that changes between start attempts, so it stays on the command line.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self._base_dir / 'socket'}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "log_min_messages": "warning",
        }
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# added by tests/pgserver.py\n")
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def _start_server(self) -> None:
        """``pg_ctl -w start`` on a free port, retrying if another process grabbed it."""
        assert self._bindir is not None and self._base_dir is not None
        last_error: PostgresUnavailable | None = None
        for _ in range(_START_ATTEMPTS):
            self._port = _free_port()
            try:
                self._run(
                    [
                        str(self._bindir / "pg_ctl"),
                        "start",
                        "-w",
                        "-t",
                        str(_START_TIMEOUT_S),
                        "-D",
                        str(self._base_dir / "data"),
                        "-l",
                        str(self._base_dir / "server.log"),
                        "-o",
                        f"-p {self._port}",
                    ],
                    timeout_s=_START_TIMEOUT_S + 30,
                    what="pg_ctl start",
                )
                return
            except PostgresUnavailable as exc:
                last_error = exc
                self._stop_server()  # in case it half-started before failing
        assert last_error is not None
        raise last_error

    def _postmaster_pid(self) -> int | None:
        if self._base_dir is None:
            return None
        try:
            first = (self._base_dir / "data" / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first)
        except (OSError, ValueError):
            return None

    def _stop_server(self) -> None:
        """Stop the postmaster: politely via pg_ctl, then by signal if that fails."""
        if self._bindir is None or self._base_dir is None:
            return
        pid = self._postmaster_pid()
        if pid is None:
            return
        with contextlib.suppress(PostgresUnavailable):
            self._run(
                [
                    str(self._bindir / "pg_ctl"),
                    "stop",
                    "-w",
                    "-m",
                    "fast",
                    "-t",
                    "30",
                    "-D",
                    str(self._base_dir / "data"),
                ],
                timeout_s=60,
                what="pg_ctl stop",
            )
            return
        # pg_ctl could not stop it (or it was already gone): make sure nothing survives,
        # but never signal a recycled PID that now belongs to some unrelated process.
        if not _is_postgres_process(pid):
            return
        for sig, grace_s in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)


def _main(argv: list[str]) -> int:
    """Tiny CLI so the Makefile can reuse :func:`find_bindir` with a bare python3."""
    if argv[1:] == ["--find-bindir"]:
        bindir = find_bindir()
        if bindir is None:
            print(INSTALL_HINT, file=sys.stderr)
            return 1
        print(bindir)
        return 0
    print(f"usage: {argv[0]} --find-bindir", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
