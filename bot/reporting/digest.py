"""The weekly digest for programme leads: figures as text plus a 12-week chart.

Sent on the programme's weekday once its intro time has passed, once per lead per
ISO week (an outbox dedupe key), so restarts and several instances send it once.
Every weekly point goes through the same threshold as the summaries.
"""

from __future__ import annotations

from bot.core import outbox
from bot.core.calendar import latest_slot
from bot.core.registry import WeekCell
from bot.core.services import Services
from bot.core.text import escape, plural
from bot.reporting.anonymity import closed_weeks, effective_threshold, iso_week, release_share
from bot.reporting.charts import render_trend_png
from bot.reporting.summaries import figure, figures, raw_cells
from storage import members as members_store
from storage import outbox as outbox_store
from storage import pairing as pairing_store

WEEKS = 12


def weekly_series(cells: list[WeekCell], weeks: list[str], t: int) -> dict[str, list[float | None]]:
    """Per-week percentages, each shown only when its week has enough responses."""
    by: dict[tuple[str, str], WeekCell] = {(c.week, c.metric): c for c in cells}

    def rate(week: str, metric: str, denominator_metric: str | None = None) -> float | None:
        cell = by.get((week, metric))
        if cell is None:
            return None
        if denominator_metric is None:
            n, k = cell.count, cell.total
        else:
            base = by.get((week, denominator_metric))
            if base is None:
                return None
            n, k = base.count, cell.count
        return release_share(int(k), n, t) if 0 <= k <= n else None

    return {
        "met rate": [rate(w, "met") for w in weeks],
        "check-in response rate": [rate(w, "checkins_answered", "pairs_formed") for w in weeks],
        "prompt engagement": [rate(w, "prompts_answered") for w in weeks],
    }


def recipients(services: Services, team_id: str, programme_id: int) -> list[str]:
    """The programme's leads, or else the workspace's leads and admins."""
    with services.db.read() as session:
        leads = pairing_store.programme_leads(session, programme_id)
        if not leads:
            granted = {g.user_id for g in members_store.list_grants(session, team_id)}
            leads = sorted(granted | set(services.settings.admins))
    return leads


def send_due(services: Services) -> int:
    """Scheduler task: owe each lead this week's digest once its day and time have come."""
    now = services.clock.now()
    week = iso_week(now)
    owed = 0
    with services.db.read() as session:
        programmes = list(pairing_store.programmes(session))
    for p in programmes:
        slot = latest_slot(now, p.tz, p.weekday, p.local_time, 1)
        if iso_week(slot) != week:
            continue
        leads = recipients(services, p.team_id, p.id)
        keys = {lead: f"digest:{p.id}:{week}:{lead}" for lead in leads}
        with services.db.read() as session:
            already = outbox_store.existing_keys(session, list(keys.values()))
        if not set(keys.values()) - already:
            # Every lead has this week's digest: skip the figures and the chart, which
            # every later tick of the week would otherwise compute and throw away.
            continue
        t = effective_threshold(p.anonymity_threshold)
        weeks = closed_weeks(now, WEEKS)
        cells = raw_cells(services, p.id, weeks)
        series = weekly_series(cells, weeks, t)
        chart = render_trend_png(weeks, series, f"{p.name}: last {WEEKS} weeks")
        recent = figures(services, p.id, weeks[-4:], t, texts=False)
        lines = [
            f"*Weekly digest: {escape(p.name)}*, the last 4 complete weeks.",
            f"_Figures from fewer than {plural(t, 'person', 'people')} are not shown._",
        ]
        # A figure too small to show is left out, whatever the reason (see summaries).
        lines += [f"• {figure(k, v)}" for k, v in recent.metrics.items() if v is not None]
        for name, values in series.items():
            shown = [f"{v:g}% in {w}" for w, v in zip(weeks, values, strict=True) if v is not None]
            if shown:
                lines.append(f"• {name}, weeks with enough people: {', '.join(shown)}")
        if len(lines) == 2:
            lines.append("Nothing to show yet: no figure has reached that many people.")
        text = "\n".join(lines)
        with services.db.transaction() as session:
            for lead, key in keys.items():
                if outbox.send_dm(
                    session, team_id=p.team_id, user_id=lead, text=text, now=now, dedupe_key=key
                ):
                    owed += 1
                    members_store.audit(
                        session,
                        team_id=p.team_id,
                        actor=lead,
                        action="read.digest",
                        target=f"{p.name} {week}",
                        outcome="ok",
                        now=now,
                    )
                    outbox.send_file(
                        session,
                        team_id=p.team_id,
                        user_id=lead,
                        content=chart,
                        filename=f"allyship-buddies-{p.name}-{week}.png",
                        title=f"{p.name}: met rate, check-in response, prompt engagement",
                        comment=f"The last {WEEKS} weeks. A gap is a week with too few "
                        "people to show.",
                        now=now,
                        dedupe_key=key + ":chart",
                    )
    return owed
