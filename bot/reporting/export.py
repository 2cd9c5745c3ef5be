"""``allybot export --programme NAME --format csv``: aggregate figures only.

The same anonymity rules as the summaries apply; no row-level or personal data is
ever written (hidden figures are exported as empty cells).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from bot.core import operator
from bot.core.registry import CliVerb
from bot.core.services import Services
from bot.programmes.settings import find
from bot.reporting.anonymity import closed_weeks, effective_threshold
from bot.reporting.digest import WEEKS, weekly_series
from bot.reporting.summaries import figures, raw_cells


def export_csv(services: Services, team_id: str, programme: str) -> str:
    now = services.clock.now()
    with services.db.transaction() as session:
        p = find(session, team_id, programme, now)
        programme_id, t = p.id, effective_threshold(p.anonymity_threshold)
    weeks = closed_weeks(now, WEEKS)
    operator.audit(services, team_id, "read.export", f"{programme} {weeks[0]}..{weeks[-1]}")
    cells = raw_cells(services, programme_id, weeks)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["week", "metric", "value"])
    for name, values in weekly_series(cells, weeks, t).items():
        for week, value in zip(weeks, values, strict=True):
            writer.writerow([week, name, "" if value is None else value])
    period = figures(services, programme_id, weeks[-4:], t, texts=False)
    label = f"{weeks[-4]}..{weeks[-1]}"
    for name, value in period.metrics.items():
        writer.writerow([label, name, "" if value is None else value])
    for category, count in period.feedback_counts.items():
        writer.writerow([label, f"feedback {category}", "" if count is None else count])
    return out.getvalue()


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--programme", default="default")
    p.add_argument("--format", choices=["csv"], default="csv")
    p.add_argument("--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--team", help="Slack team id (needed when several workspaces share it)")


def _run(services: Services, args: argparse.Namespace) -> int:
    text = export_csv(services, operator.resolve_team(services, args.team), args.programme)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


VERB = CliVerb("export", "export aggregate programme figures as CSV", _configure, _run)
