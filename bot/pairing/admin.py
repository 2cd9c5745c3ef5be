"""Pairing administration: run or adjust a round, rules, a member's history (admins).

Reached only through :func:`bot.core.admin.perform`, so every action is checked
and audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.core import admin, parse
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.blocks import Reply, page_number, page_value, paged_reply, text_reply
from bot.core.registry import AdminAction
from bot.core.services import Actor, Services
from bot.core.text import escape, mention, parse_user_ref, plural, slack_date
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


#: Lines on one page of a member's history or of the rule list.
PAGE = 15


def _history(
    services: Services, session: Session, actor: Actor, args: Sequence[str]
) -> str | Reply:
    user = parse_user_ref(args[0]) if len(args) in (1, 2) else None
    if user is None or (len(args) == 2 and not parse.is_number(args[1])):
        raise AdminInputError("Mention the person, like `/ally admin history @Sam`.")
    pairs = store.history_of(session, actor.team_id, user)
    if not pairs:
        return f"{mention(user)} hasn't been paired yet."
    people = store.participants_of(session, [p.id for p in pairs])
    lines = []
    for p in pairs:
        others = [mention(pp.user_id) for pp in people[p.id] if pp.user_id != user]
        lines.append(
            f"• pair {p.id}, {slack_date(p.created_at, '{date_short}')}: with "
            f"{', '.join(others) or 'nobody else'} ({p.kind}, {p.status})"
        )
    return paged_reply(
        f"*Pairings of {mention(user)}*: {plural(len(pairs), 'pairing')}, newest first",
        lines,
        page_number(args[1]) if len(args) == 2 else 1,
        per_page=PAGE,
        action="history_page",
        command=f"/ally admin history <@{user}>",
        context=user,
    )


def history_page_button(services: Services, actor: Actor, value: str) -> Reply:
    """Previous / Next under a member's history (value: page and user id)."""
    page, user = page_value(value)
    result = admin.perform(services, actor, "history", [f"<@{user}>", str(page)])
    return text_reply(result)


def rules_page_button(services: Services, actor: Actor, value: str) -> Reply:
    """Previous / Next under the pairing rules (value: page and programme)."""
    page, programme = page_value(value)
    result = admin.perform(services, actor, "rule", ["list", programme or "default", str(page)])
    return text_reply(result)


def _rule(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str | Reply:
    verb = args[0].lower() if args else ""
    if verb in ("never", "always") and len(args) in (3, 4):
        a, b = parse_user_ref(args[1]), parse_user_ref(args[2])
        if a is None or b is None or a == b:
            raise AdminInputError(
                "Mention two different people, like `/ally admin rule never @Sam @Alex`."
            )
        programme = find(
            session,
            actor.team_id,
            args[3].lower() if len(args) == 4 else None,
            services.clock.now(),
        )
        added = store.add_rule(
            session, programme.id, verb, a, b, actor.user_id, services.clock.now()
        )
        together = "never to be paired" if verb == "never" else "always paired when possible"
        if not added:
            return f"That rule was already there: {mention(a)} and {mention(b)}, {together}."
        return f"Rule added: {mention(a)} and {mention(b)}, {together}."
    if verb == "list" and len(args) <= 3:
        words = [a for a in args[1:] if not parse.is_number(a)]
        pages = [a for a in args[1:] if parse.is_number(a)]
        programme = find(
            session, actor.team_id, words[0].lower() if words else None, services.clock.now()
        )
        # Sorted, so an ended pair does not say which of the two ended it.
        shown = [
            f"• #{r.id} {RULE_WORDS[r.kind]}: "
            + " and ".join(map(mention, sorted((r.owner, r.other))))
            for r in store.rules(session, programme.id)
            if r.kind in RULE_WORDS
        ]
        if not shown:
            return f"*{escape(programme.name)}* has no pairing rules."
        return paged_reply(
            f"*Pairing rules of {escape(programme.name)}*: {plural(len(shown), 'rule')}",
            shown,
            page_number(pages[0]) if pages else 1,
            per_page=PAGE,
            action="rules_page",
            command=f"/ally admin rule list {programme.name}",
            context=programme.name,
        )
    if verb == "remove" and len(args) == 2:
        rule_id = parse.record_id(args[1], what="rule")
        programme = find(session, actor.team_id, None, services.clock.now())
        if not store.remove_rule(session, programme.id, rule_id):
            raise AdminInputError(
                f"There's no rule #{rule_id}. `/ally admin rule list` shows the rule numbers."
            )
        return f"Rule #{rule_id} removed."
    raise AdminInputError(
        "Usage: `/ally admin rule never|always @a @b [programme]`, "
        "`/ally admin rule list [programme]` or `/ally admin rule remove ID`."
    )


#: Rule kinds an admin sees, in words (personal never-lists stay private to their owner).
RULE_WORDS = {"never": "never pair", "always": "always pair", "ended": "ended by a member"}


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
        "/ally admin history @person [page]",
        "a member's pairings",
        run=_history,
    ),
    AdminAction(
        "rule",
        Permission.ADMIN,
        "/ally admin rule never|always @a @b [programme] | list [programme] [page] | remove ID",
        "pairing rules",
        run=_rule,
        prepare=_prepare_rule,
    ),
)
