"""Pairing administration: run or adjust a round, rules, a member's history (admins).

Reached only through :func:`bot.core.admin.perform`, so every action is checked
and audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.core import parse
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.registry import AdminAction
from bot.core.services import Actor, Services
from bot.core.text import mention, parse_user_ref
from bot.pairing import changes, rounds
from bot.programmes.settings import find
from storage import pairing as store


def _pair(services: Services, actor: Actor, args: Sequence[str]) -> str:
    verb = args[0].lower() if args else ""
    if verb in ("preview", "run") and len(args) <= 2:
        name = args[1].lower() if len(args) == 2 else None
        return rounds.run_now(
            services, actor.team_id, name, actor.user_id, dry_run=verb == "preview"
        )
    if verb == "remove" and len(args) == 2:
        return changes.remove_pair(services, actor, parse.record_id(args[1], what="pair"))
    if verb == "add" and len(args) == 3:
        users = [parse_user_ref(a) for a in args[1:]]
        if None in users:
            raise AdminInputError("Mention both people, e.g. `/ally admin pair add @a @b`.")
        return changes.add_pair(services, actor, [u for u in users if u])
    if verb == "swap" and len(args) == 4:
        pair_id = parse.record_id(args[1], what="pair")
        out_user, in_user = parse_user_ref(args[2]), parse_user_ref(args[3])
        if out_user is None or in_user is None:
            raise AdminInputError("Usage: `/ally admin pair swap PAIR @leaving @joining`.")
        return changes.swap(services, actor, pair_id, out_user, in_user)
    raise AdminInputError(
        "Usage: `/ally admin pair preview|run [programme]`, `add @a @b`, `remove PAIR`, "
        "`swap PAIR @leaving @joining`."
    )


def _history(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    user = parse_user_ref(args[0]) if len(args) == 1 else None
    if user is None:
        raise AdminInputError("Usage: `/ally admin history @person`.")
    pairs = store.history_of(session, actor.team_id, user)
    if not pairs:
        return f"{mention(user)} hasn't been paired yet."
    people = store.participants_of(session, [p.id for p in pairs])
    lines = [f"*Pairings of {mention(user)}* (newest first)"]
    for p in pairs:
        others = [mention(pp.user_id) for pp in people[p.id] if pp.user_id != user]
        lines.append(
            f"• pair {p.id}, {p.created_at:%d %b %Y}: with {', '.join(others) or 'nobody'} "
            f"({p.kind}, {p.status})"
        )
    return "\n".join(lines)


def _rule(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    verb = args[0].lower() if args else ""
    if verb in ("never", "always") and len(args) in (3, 4):
        a, b = parse_user_ref(args[1]), parse_user_ref(args[2])
        if a is None or b is None or a == b:
            raise AdminInputError("Mention two different people.")
        programme = find(
            session,
            actor.team_id,
            args[3].lower() if len(args) == 4 else None,
            services.clock.now(),
        )
        added = store.add_rule(
            session, programme.id, verb, a, b, actor.user_id, services.clock.now()
        )
        status = "added" if added else "already there"
        return f"Rule {status}: {mention(a)} and {mention(b)} {verb} paired."
    if verb == "list":
        programme = find(
            session,
            actor.team_id,
            args[1].lower() if len(args) == 2 else None,
            services.clock.now(),
        )
        shown = [
            f"• #{r.id} {r.kind}: {mention(r.owner)} and {mention(r.other)}"
            for r in store.rules(session, programme.id)
            if r.kind in ("never", "always", "ended")
        ]
        return "\n".join(["*Pairing rules*", *shown]) if shown else "No pairing rules."
    if verb == "remove" and len(args) == 2:
        rule_id = parse.record_id(args[1], what="rule")
        programme = find(session, actor.team_id, None, services.clock.now())
        if not store.remove_rule(session, programme.id, rule_id):
            raise AdminInputError("No such rule.")
        return "Rule removed."
    raise AdminInputError("Usage: `/ally admin rule never|always @a @b`, `list`, `remove ID`.")


def _prepare_rule(services: Services, actor: Actor, args: Sequence[str]) -> None:
    """Both people in a new never/always rule must be real (asked of Slack first)."""
    if len(args) in (3, 4) and args[0].lower() in ("never", "always"):
        for token in args[1:3]:
            user = parse_user_ref(token)
            if user is not None:
                services.require_real_user(actor.team_id, user)


ADMIN_ACTIONS = (
    AdminAction(
        "pair",
        Permission.ADMIN,
        "/ally admin pair preview|run [programme] | add @a @b | remove PAIR | swap PAIR @out @in",
        "preview, run or adjust a pairing round",
        standalone=_pair,
        slow=lambda args: bool(args) and args[0].lower() in ("preview", "run"),
    ),
    AdminAction(
        "history",
        Permission.ADMIN,
        "/ally admin history @person",
        "a member's pairings",
        run=_history,
    ),
    AdminAction(
        "rule",
        Permission.ADMIN,
        "/ally admin rule never|always @a @b [programme] | list [programme] | remove ID",
        "pairing rules",
        run=_rule,
        prepare=_prepare_rule,
    ),
)
