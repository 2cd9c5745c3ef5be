"""WSGI entry point for a production server, e.g. ``gunicorn bot.wsgi:application``.

Runs migrations and starts the scheduler in the worker that imports it; run one
worker per instance (the scheduler's lease keeps due work single across instances).
"""

from __future__ import annotations

from bot.app import create_app, prepare_database, settle_heap
from bot.core.config import configure_logging, load_settings

_settings = load_settings()
configure_logging(_settings)
prepare_database(_settings)
_bot = create_app(_settings)
settle_heap()
_bot.start_background()
application = _bot.wsgi()
