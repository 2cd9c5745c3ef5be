"""Tests for the throwaway PostgreSQL server used by the storage tests.

Why: every PostgreSQL-backed test trusts this helper to give it an isolated, fast,
really-running server and to leave nothing behind. These tests start real servers (no
mocks), so they double as the smoke test that PostgreSQL works on the machine at all.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.pgserver import (
    DIR_ENV,
    ENV_URL,
    PostgresServer,
    PostgresUnavailable,
    _to_conninfo,
    _to_sqlalchemy_url,
    _with_database,
    find_bindir,
    port_is_open,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """One server for the module: starting one costs about a second."""
    with PostgresServer() as pg:
        yield pg


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_full_lifecycle_two_independent_databases() -> None:
    """Start, two databases, real SQL in each, drop, stop: nothing may survive."""
    pg = PostgresServer()
    pg.start()
    try:
        port = pg.port
        base_dir = pg.base_dir
        if not pg.external:
            assert port_is_open(port)
            assert base_dir is not None and base_dir.is_dir()
            assert pg.url == f"postgresql+psycopg://allybot@127.0.0.1:{port}/postgres"

        url_a = pg.create_database("pgserver_test_a")
        url_b = pg.create_database("pgserver_test_b")
        assert url_a.endswith("/pgserver_test_a")
        assert url_b.endswith("/pgserver_test_b")

        engine_a = sa.create_engine(url_a)
        engine_b = sa.create_engine(url_b)
        try:
            with engine_a.connect() as conn:
                assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
                assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == (
                    "pgserver_test_a"
                )
                if not pg.external:
                    assert conn.execute(sa.text("SHOW fsync")).scalar_one() == "off"
                    assert conn.execute(sa.text("SHOW synchronous_commit")).scalar_one() == "off"
                    assert conn.execute(sa.text("SHOW full_page_writes")).scalar_one() == "off"
                    assert conn.execute(sa.text("SHOW max_connections")).scalar_one() == "200"
                    assert conn.execute(sa.text("SHOW listen_addresses")).scalar_one() == (
                        "127.0.0.1"
                    )
                assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"

            with engine_a.begin() as conn:
                conn.execute(sa.text("CREATE TABLE note (id serial PRIMARY KEY, body text)"))
                conn.execute(
                    sa.text("INSERT INTO note (body) VALUES (:a), (:b)"),
                    {"a": "café ☕", "b": "second"},
                )
            with engine_a.connect() as conn:
                rows = conn.execute(sa.text("SELECT body FROM note ORDER BY id")).all()
            assert [r.body for r in rows] == ["café ☕", "second"]

            with engine_b.connect() as conn:
                exists = conn.execute(sa.text("SELECT to_regclass('public.note')")).scalar_one()
                assert exists is None, "database b must not see tables created in a"
                assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == (
                    "pgserver_test_b"
                )
        finally:
            # Keep a connection open on purpose: drop_database must force it closed.
            lingering = engine_a.connect()
            pg.drop_database("pgserver_test_a")
            pg.drop_database("pgserver_test_b")
            lingering.invalidate()
            engine_a.dispose()
            engine_b.dispose()

        names = _scalar(
            pg.url,
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgserver_test_%'",
        )
        assert names == 0
    finally:
        pg.stop()

    if not pg.external:
        assert not port_is_open(port), "server still listening after stop()"
        assert base_dir is not None and not base_dir.exists(), "temp dir not removed"
    # stop() is idempotent.
    pg.stop()


def test_create_database_replaces_existing_one(server: PostgresServer) -> None:
    """A leftover database of the same name (from a crashed run) is replaced, not reused."""
    url = server.create_database("pgserver_test_again")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE leftover (x int)"))
    finally:
        engine.dispose()
    url = server.create_database("pgserver_test_again")
    try:
        assert _scalar(url, "SELECT to_regclass('public.leftover') IS NULL") is True
    finally:
        server.drop_database("pgserver_test_again")


def test_many_databases_are_quick_enough(server: PostgresServer) -> None:
    """Per-test databases are only viable if creating one is cheap (well under a second)."""
    timings = []
    for i in range(5):
        start = time.perf_counter()
        server.create_database(f"pgserver_speed_{i}")
        timings.append(time.perf_counter() - start)
    for i in range(5):
        server.drop_database(f"pgserver_speed_{i}")
    assert sorted(timings)[len(timings) // 2] < 1.0, timings


@pytest.mark.parametrize("bad", ["", "Upper", "has-dash", 'q"uote', "x; DROP", "9lead", "a" * 64])
def test_rejects_unsafe_database_names(server: PostgresServer, bad: str) -> None:
    with pytest.raises(ValueError):
        server.create_database(bad)
    with pytest.raises(ValueError):
        server.drop_database(bad)


def test_requires_start() -> None:
    pg = PostgresServer()
    with pytest.raises(RuntimeError):
        _ = pg.url
    with pytest.raises(RuntimeError):
        pg.create_database("never")


def test_find_bindir_finds_server_binaries() -> None:
    if os.environ.get(ENV_URL):
        pytest.skip(f"{ENV_URL} is set; local binaries are not required")
    bindir = find_bindir()
    assert bindir is not None
    for name in ("initdb", "pg_ctl", "postgres"):
        assert os.access(Path(bindir) / name, os.X_OK)


def test_missing_binaries_raise_helpful_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing on PATH and no Debian layout, the error must say how to install."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv(ENV_URL, raising=False)
    real_glob = glob.glob
    monkeypatch.setattr(
        glob,
        "glob",
        lambda pattern, *a, **k: [] if "postgresql" in pattern else real_glob(pattern, *a, **k),
    )
    pg = PostgresServer()
    with pytest.raises(PostgresUnavailable, match="apt-get install postgresql"):
        pg.start()
    assert pg.base_dir is None


def test_external_url_is_used_instead_of_starting(server: PostgresServer) -> None:
    """ALLYBOT_TEST_POSTGRES_URL: borrow a running server, create/drop databases on it."""
    plain = server.url.replace("postgresql+psycopg://", "postgresql://")
    ext = PostgresServer(external_url=plain)
    with ext:
        assert ext.external
        assert ext.base_dir is None
        assert ext.url == server.url
        url = ext.create_database("pgserver_test_ext")
        assert _scalar(url, "SELECT current_database()") == "pgserver_test_ext"
    # Databases the borrower forgot to drop are cleaned up, and the server keeps running.
    assert _scalar(server.url, "SELECT 1") == 1
    gone = _scalar(
        server.url, "SELECT count(*) FROM pg_database WHERE datname = 'pgserver_test_ext'"
    )
    assert gone == 0


def test_url_helpers() -> None:
    assert _to_sqlalchemy_url("postgresql://u@h:1/d") == "postgresql+psycopg://u@h:1/d"
    assert (
        _to_sqlalchemy_url("postgres://u@h/d?sslmode=x") == "postgresql+psycopg://u@h/d?sslmode=x"
    )
    assert _to_conninfo("postgresql+psycopg://u:p@h:1/d") == "postgresql://u:p@h:1/d"
    assert (
        _with_database("postgresql+psycopg://u@h:1/d?a=b", "x")
        == "postgresql+psycopg://u@h:1/x?a=b"
    )
    with pytest.raises(ValueError):
        _to_conninfo("sqlite:///x.db")


def test_cluster_dir_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """ALLYBOT_TEST_POSTGRES_DIR puts the cluster on a chosen (here: disk-backed) path."""
    if os.environ.get(ENV_URL):
        pytest.skip(f"{ENV_URL} is set; no local cluster is started")
    parent = Path(tempfile.mkdtemp(prefix="allybot-pgparent-", dir="/tmp"))
    try:
        parent.chmod(0o755)  # as root the postgres user must be able to traverse it
        monkeypatch.setenv(DIR_ENV, str(parent))
        with PostgresServer() as pg:
            assert pg.base_dir is not None and pg.base_dir.parent == parent
            url = pg.create_database("pgserver_test_dir")
            assert _scalar(url, "SELECT current_database()") == "pgserver_test_dir"
        assert list(parent.iterdir()) == []
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: relies on dropping to `postgres`")
def test_failed_start_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """A start that fails half-way (initdb cannot reach its directory) leaves nothing behind.

    As root the cluster runs as ``postgres``; a 0700 root-owned parent directory makes
    initdb fail for real, which exercises the cleanup path without any fakes.
    """
    parent = Path(tempfile.mkdtemp(prefix="allybot-pgparent-", dir="/tmp"))
    try:
        parent.chmod(0o700)
        monkeypatch.setenv(DIR_ENV, str(parent))
        monkeypatch.delenv(ENV_URL, raising=False)
        pg = PostgresServer()
        with pytest.raises(PostgresUnavailable, match="initdb failed"):
            pg.start()
        assert pg.base_dir is None
        assert list(parent.iterdir()) == []
        with pytest.raises(RuntimeError):
            _ = pg.url
    finally:
        shutil.rmtree(parent, ignore_errors=True)
