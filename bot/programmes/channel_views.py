"""Block Kit and copy for channel-linked programmes: the channel's explanation, the
invitation a person gets when they join the channel, and the admin's count to confirm."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, MarkdownTextObject

from bot.core.blocks import button, section
from bot.core.text import and_list, escape, every, plural

WHAT_IT_IS = (
    "Allies are paired with colleagues who chose to take part, for a short conversation "
    "where the ally mostly listens and asks what would actually help, then follows through."
)
COLLEAGUE_NOTE = (
    "As a colleague you share only what you want to; nobody expects you to explain or teach."
)


def channel_ref(channel_id: str) -> str:
    """A channel mention Slack renders with the name each reader is allowed to see."""
    return f"<#{channel_id}>"


def explanation(name: str, channel_id: str, cadence_weeks: int, guests: bool) -> list[Block]:
    """The one post the bot makes in a linked channel."""
    guest_line = (
        "Guest accounts are welcome too." if guests else "Guest accounts aren't included in it."
    )
    return [
        section(
            f":pushpin: *About this channel*\n{channel_ref(channel_id)} is home to "
            f"*{escape(name)}*, an Allyship Buddies programme. A round starts "
            f"{every(cadence_weeks, 'week')}: {WHAT_IT_IS[0].lower()}{WHAT_IT_IS[1:]} "
            f"{COLLEAGUE_NOTE} {guest_line}"
        ),
        section(
            "• When you join this channel I'll send you a private invitation: join as an ally, "
            "as a colleague, or say not now. Nobody is signed up without choosing.\n"
            "• Leaving the channel takes you out of the programme's future rounds; I'll tell "
            "you how to come back.\n"
            "• `/ally help` shows everything, and `/ally feedback` tells the programme, "
            "anonymously, what works and what feels performative."
        ),
    ]


def explanation_text(name: str) -> str:
    return f"About this channel: {name}, an Allyship Buddies programme."


def invitation(name: str, channel_id: str, invitation_id: int, role: str | None) -> list[Block]:
    """The private invitation; ``role`` is set when the person is already a member."""
    value = str(invitation_id)
    where = f"You're in {channel_ref(channel_id)}, home of the *{escape(name)}* programme."
    if role is not None:
        body = (
            f"{where} You already take part in Allyship Buddies as "
            f"{'an' if role == 'ally' else 'a'} {role}; would you like to be paired in "
            f"*{escape(name)}* too?"
        )
        choices = [button(f"Join {name[:40]} too", "channel_join_member", value, style="primary")]
    else:
        body = f"{where} Would you like to take part? {WHAT_IT_IS} {COLLEAGUE_NOTE}"
        choices = [
            button("Join as ally", "channel_join_ally", value, style="primary"),
            button("Join as colleague", "channel_join_colleague", value),
        ]
    choices.append(button("Not now", "channel_not_now", value))
    return [
        section(body),
        ActionsBlock(block_id=f"invite_{value}", elements=choices),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="It's entirely your choice: nothing happens unless you pick one, and "
                    "you can pause or leave any time without giving a reason."
                )
            ]
        ),
    ]


def invitation_text(name: str) -> str:
    return f"Would you like to take part in {name}, an Allyship Buddies programme?"


def count_blocks(name: str, channel_id: str, count: int, left_out: dict[str, int]) -> list[Block]:
    """The admin's DM once a linked channel has been counted: how many, and confirm."""
    skipped = [
        plural(n, label, plural_form)
        for key, (label, plural_form) in {
            "guests": ("guest account", None),
            "bots": ("bot", None),
            "deactivated": ("deactivated account", None),
            "external": ("person from another organisation", "people from other organisations"),
        }.items()
        if (n := left_out.get(key, 0))
    ]
    note = f" (I left out {and_list(skipped)}.)" if skipped else ""
    if left_out.get("guests"):
        note += " Setting `guests=yes` on the programme would include guest accounts."
    ref = channel_ref(channel_id)
    if count == 0:
        return [
            section(
                f"Everyone in {ref} who could be invited is already in *{escape(name)}*, so "
                f"there's nobody to invite.{note}"
            )
        ]
    value = name
    return [
        section(
            f"{ref} has {plural(count, 'person', 'people')} who aren't in *{escape(name)}* yet."
            f"{note} Shall I invite them? Each gets a private DM to join as an ally, as a "
            "colleague, or say not now; nobody is signed up without choosing."
        ),
        ActionsBlock(
            block_id="channel_invite",
            elements=[
                button(
                    f"Invite {plural(count, 'person', 'people')}",
                    "channel_invite_confirm",
                    value,
                    style="primary",
                ),
                button("Don't invite anyone", "channel_invite_cancel", value),
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Typed: `/ally admin invite {escape(name)} confirm` or `cancel`."
                )
            ]
        ),
    ]
