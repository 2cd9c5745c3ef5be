"""Lead summaries: what the programme's figures say, never who said what.

Every figure comes from frozen closed-week snapshots (:mod:`bot.reporting.snapshots`)
and passes through :mod:`bot.reporting.anonymity`: a week's cell below the
programme's threshold contributes nothing, sibling groups get complementary
suppression, a rate is shown only when its numerator, denominator and remainder all
pass the threshold, means need the threshold of values, and feedback texts appear
shuffled and undated only from released cells. Every read is audited (who, what,
when; never the content).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.core import authz, parse
from bot.core.authz import Permission
from bot.core.registry import WeekCell
from bot.core.services import Actor, Services
from bot.core.text import escape, plural
from bot.feedback.anonymous import CATEGORIES
from bot.programmes.settings import find
from bot.reporting import snapshots
from bot.reporting.anonymity import (
    closed_weeks,
    effective_threshold,
    release_counts,
    release_share,
    summarise_period,
    week_bounds,
)
from storage import feedback as feedback_store
from storage import members as members_store
from storage import pairing as pairing_store

MAX_WEEKS = 26
#: Texts shown per category (a random sample of the released ones; the count says how many).
MAX_TEXTS = 20


@dataclass(frozen=True)
class Figures:
    """One period's releasable figures (``None`` = suppressed or no data)."""

    weeks: tuple[str, ...]
    metrics: dict[str, float | int | None]
    feedback_counts: dict[str, int | None]
    feedback_texts: dict[str, list[str] | None]
    rating: float | None
    #: Member counts at the end of the period's last closed week.
    members: dict[str, int | None]


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
        "met rate %": release_share(met, answered, t) if answered else None,
        "average usefulness": round(useful_sum / useful_n, 1) if useful_n >= t else None,
        "prompts sent": count("prompts_sent"),
        "prompts answered %": (
            release_share(answered_prompts, sent_prompts, t) if sent_prompts else None
        ),
    }


def raw_cells(services: Services, programme_id: int, weeks: list[str]) -> list[WeekCell]:
    """The frozen weekly cells of ``weeks`` (closed ones only), before suppression."""
    return snapshots.cells(services, programme_id, weeks)


def figures(
    services: Services, programme_id: int, weeks: list[str], threshold: int, *, texts: bool = True
) -> Figures:
    now = services.clock.now()
    cells = raw_cells(services, programme_id, weeks)
    feedback_cells: dict[str, dict[str, int]] = defaultdict(dict)
    members_by_week: dict[str, dict[str, int]] = defaultdict(dict)
    for c in cells:
        if c.metric == "feedback":
            feedback_cells[c.week][c.group] = c.count
        elif c.metric == "members":
            members_by_week[c.week][c.group] = c.count
    summary = summarise_period(
        feedback_cells, groups=list(CATEGORIES), weeks=weeks, now=now, threshold=threshold
    )
    shown: dict[str, list[str] | None] = {c: None for c in CATEGORIES}
    if texts:
        with services.db.read() as session:
            for category in CATEGORIES:
                released = [w for w in summary.weeks if summary.counts[w][category] is not None]
                if not released:
                    continue
                sample = feedback_store.sample_texts(
                    session, programme_id, released, category, MAX_TEXTS, secrets.token_hex(8)
                )
                secrets.SystemRandom().shuffle(sample)
                shown[category] = [f"[ref {item_id}] {body}" for item_id, body in sample]
    last = summary.weeks[-1] if summary.weeks else None
    members = release_counts(members_by_week.get(last, {}), threshold) if last else {}
    return Figures(
        weeks=summary.weeks,
        metrics=_metrics(cells, set(summary.weeks), threshold),
        feedback_counts=summary.group_totals,
        feedback_texts=shown,
        rating=None,
        members=members,
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
    name = next((a for a in args if not parse.is_number(a)), None)
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
    weeks = next((a for a in args if parse.is_number(a)), None)
    n = 4 if weeks is None else parse.whole_number(weeks, what="Weeks", lo=1, hi=MAX_WEEKS)
    now = services.clock.now()
    with services.db.transaction() as session:
        programme = find(session, actor.team_id, name, now)
        programme_id, programme_name = programme.id, programme.name
        t = effective_threshold(programme.anonymity_threshold)
        members_store.audit(
            session,
            team_id=actor.team_id,
            actor=actor.user_id,
            action="read.summary",
            target=f"{programme_name} {n} weeks",
            outcome="ok",
            now=now,
        )
    all_weeks = closed_weeks(now, 2 * n)
    previous, current = all_weeks[:n], all_weeks[n:]
    now_f = figures(services, programme_id, current, t)
    before = figures(services, programme_id, previous, t, texts=False)
    shown_members = [f"{k}: {v}" for k, v in sorted(now_f.members.items()) if v is not None]
    lines = [
        (
            f"*{escape(programme_name)}: the last complete week* ({current[0]}), compared "
            "with the week before."
            if n == 1
            else f"*{escape(programme_name)}: last {n} complete weeks* ({current[0]} to "
            f"{current[-1]}), compared with the {n} weeks before."
        ),
        f"_Figures from fewer than {plural(t, 'person', 'people')} are not shown, so nobody "
        "in a small group can be singled out. Feedback is shown only for weeks that have "
        "ended, shuffled and undated; leads and admins can't send any._",
    ]
    if shown_members:
        lines.append(f"*Members* (at the end of {current[-1]}): " + ", ".join(shown_members))
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
            total = now_f.feedback_counts.get(category) or len(texts)
            lines.append(
                f"*{label}* (shuffled, undated; {len(texts)} of {total} shown)"
                if total > len(texts)
                else f"*{label}* (shuffled, undated)"
            )
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
