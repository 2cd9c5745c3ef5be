"""Lead summaries: what the programme's figures say, never who said what.

Every figure passes through :mod:`bot.anonymity`: only closed ISO weeks count, a
week's cell below the programme's threshold contributes nothing, sibling groups get
complementary suppression, means and rates need the threshold of responses, and
feedback texts appear shuffled and undated only for categories with enough of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import authz
from bot.core.authz import Permission
from bot.core.registry import WeekCell
from bot.core.services import Actor, Services
from bot.core.text import escape, plural
from bot.feedback.anonymous import CATEGORIES
from bot.programmes.settings import find
from bot.reporting.anonymity import (
    CellData,
    closed_weeks,
    effective_threshold,
    release_counts,
    release_rate,
    summarise_period,
    week_bounds,
)
from storage import feedback as feedback_store
from storage import members as members_store
from storage import pairing as pairing_store

MAX_WEEKS = 26


@dataclass(frozen=True)
class Figures:
    """One period's releasable figures (``None`` = suppressed or no data)."""

    weeks: tuple[str, ...]
    metrics: dict[str, float | int | None]
    feedback_counts: dict[str, int | None]
    feedback_texts: dict[str, list[str] | None]
    rating: float | None


def week_range(weeks: list[str]) -> tuple[datetime, datetime]:
    """The UTC span from the first week's start to the last week's end."""
    return week_bounds(weeks[0])[0], week_bounds(weeks[-1])[1]


def _metrics(cells: list[WeekCell], weeks: set[str], t: int) -> dict[str, float | int | None]:
    """Pool released weekly cells (each with >= t contributions) into figures."""
    by_metric: dict[str, list[WeekCell]] = defaultdict(list)
    for c in cells:
        if c.week in weeks and c.count >= t:
            by_metric[c.metric].append(c)

    def count(metric: str) -> int | None:
        released = by_metric.get(metric, [])
        return sum(int(c.total) for c in released) if released else None

    def ratio(metric: str) -> tuple[int, int]:
        released = by_metric.get(metric, [])
        return sum(int(c.total) for c in released), sum(c.count for c in released)

    met, answered = ratio("met")
    useful_sum, useful_n = ratio("usefulness")
    answered_prompts, sent_prompts = ratio("prompts_answered")
    return {
        "pairs formed": count("pairs_formed"),
        "check-ins answered": count("checkins_answered"),
        "met rate %": release_rate(met, answered, t) if answered else None,
        "average usefulness": round(useful_sum / useful_n, 1) if useful_n >= t else None,
        "prompts sent": count("prompts_sent"),
        "prompts answered %": (
            release_rate(answered_prompts, sent_prompts, t) if sent_prompts else None
        ),
    }


def raw_cells(
    services: Services, session: Session, programme_id: int, start: datetime, end: datetime
) -> list[WeekCell]:
    """Every capability's raw weekly cells for ``[start, end)``, before any suppression."""
    return [
        cell
        for source in services.registry.summary_sources
        for cell in source.cells(session, programme_id, start, end)
    ]


def figures(services: Services, programme_id: int, weeks: list[str], threshold: int) -> Figures:
    now = services.clock.now()
    start, end = week_range(weeks)
    with services.db.read() as session:
        cells = raw_cells(services, session, programme_id, start, end)
        per_week: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for week, category, n in feedback_store.counts(session, programme_id, weeks):
            counts[week][category] = n
        for category in CATEGORIES:
            for week in weeks:
                if counts[week].get(category):
                    per_week[week][category] = [
                        f"[ref {item_id[:8]}] {body}"
                        for item_id, body in feedback_store.texts_with_ids(
                            session, programme_id, [week], category
                        )
                    ]
    feedback_cells = {
        week: {c: CellData(count=len(t), texts=tuple(t)) for c, t in per_week[week].items()}
        for week in weeks
    }
    summary = summarise_period(
        feedback_cells, groups=list(CATEGORIES), weeks=weeks, now=now, threshold=threshold
    )
    return Figures(
        weeks=summary.weeks,
        metrics=_metrics(cells, set(summary.weeks), threshold),
        feedback_counts=summary.group_totals,
        feedback_texts=summary.texts,
        rating=None,
    )


def _programmes_led(services: Services, actor: Actor) -> tuple[set[str], set[str]]:
    """The names of the programmes ``actor`` leads, and of every programme here."""
    with services.db.read() as session:
        programmes = pairing_store.programmes(session, actor.team_id)
        led = {
            p.name
            for p in programmes
            if actor.user_id in pairing_store.programme_leads(session, p.id)
        }
    return led, {p.name for p in programmes}


def summary(services: Services, actor: Actor, args: list[str]) -> str:
    """``/ally summary [programme] [weeks]`` for leads and admins (others are refused).

    A programme's own leads read that programme's summary. One who names a programme
    that does not exist hears that the name is wrong, not that they are not a lead.
    """
    name = next((a for a in args if not a.isdigit()), None)
    wanted = (name or members_store.DEFAULT_PROGRAMME).lower()
    led, every_name = _programmes_led(services, actor)
    if not (led and (wanted in led or wanted not in every_name)):
        refusal = (
            "Sorry, only programme leads and admins can see summaries. Nothing was shown; "
            "the request was logged."
        )
        if led:
            mine = ", ".join(f"`{escape(n)}`" for n in sorted(led))
            refusal = (
                f"You lead {mine}, so you can see {'its' if len(led) == 1 else 'their'} "
                f"summary; `{escape(wanted[:64])}` is for its own leads and admins. Nothing "
                "was shown; the request was logged."
            )
        authz.check(
            services,
            actor,
            Permission.LEAD,
            "summary",
            " ".join(args)[:100] or None,
            refusal=refusal,
        )
    n = next((int(a) for a in args if a.isdigit()), 4)
    n = max(1, min(n, MAX_WEEKS))
    with services.db.transaction() as session:
        programme = find(session, actor.team_id, name, services.clock.now())
        programme_id, programme_name = programme.id, programme.name
        t = effective_threshold(programme.anonymity_threshold)
        members = members_store.count_members(session, actor.team_id)
    all_weeks = closed_weeks(services.clock.now(), 2 * n)
    previous, current = all_weeks[:n], all_weeks[n:]
    now_f = figures(services, programme_id, current, t)
    before = figures(services, programme_id, previous, t)
    member_counts = release_counts({f"{r} {s}": c for (r, s), c in members.items()}, t)
    shown_members = [f"{k}: {v}" for k, v in sorted(member_counts.items()) if v is not None]
    lines = [
        (
            f"*{escape(programme_name)}: the last complete week* ({current[0]}), compared "
            "with the week before."
            if n == 1
            else f"*{escape(programme_name)}: last {n} complete weeks* ({current[0]} to "
            f"{current[-1]}), compared with the {n} weeks before."
        ),
        f"_Figures from fewer than {plural(t, 'person', 'people')} are not shown, so nobody "
        "in a small group can be singled out._",
    ]
    if shown_members:
        lines.append("*Members*: " + ", ".join(shown_members))
    # A figure too small to show is left out, the same way whatever the reason, so the
    # absence of one line says nothing a reader could use.
    figures_now = [
        f"• {figure(key, now_f.metrics[key])}{_before(key, before.metrics[key])}"
        for key in now_f.metrics
        if now_f.metrics[key] is not None
    ]
    feedback_now = [
        f"• {label}: {now_f.feedback_counts[c]}{_before('', before.feedback_counts.get(c))}"
        for c, label in CATEGORIES.items()
        if now_f.feedback_counts.get(c) is not None
    ]
    lines += figures_now
    if feedback_now:
        lines += ["*Feedback by category*", *feedback_now]
    for category, label in CATEGORIES.items():
        texts = now_f.feedback_texts.get(category)
        if texts:
            lines.append(f"*{label}* (shuffled, undated)")
            lines += [f"> {escape(text)}" for text in texts]
    if not (shown_members or figures_now or feedback_now):
        lines.append("Nothing to show for this period yet.")
    return "\n".join(lines)


def figure(key: str, value: float | int | None) -> str:
    """``met rate %: 80.0`` as a person reads it: ``met rate: 80%``."""
    if key.endswith(" %"):
        return f"{key[:-2]}: {value:g}%" if value is not None else key[:-2]
    return f"{key}: {value}"


def _before(key: str, value: float | int | None) -> str:
    if value is None:
        return ""
    shown = f"{value:g}%" if key.endswith(" %") else str(value)
    return f" (before: {shown})"
