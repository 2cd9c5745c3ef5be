""" "This made me uncomfortable": a private flag to the programme's leads.

It goes to the programme's leads (or, if it has none, the workspace's leads and
admins), never to anyone's manager, and says plainly that it is not a formal HR
report. It is anonymous unless the person chooses to share their name.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.core import outbox
from bot.core.blocks import section
from bot.core.services import Actor, Services
from bot.core.text import clean, escape, mention
from bot.reporting.digest import recipients
from storage import members as members_store

NOT_HR = (
    "This is not a formal HR report. To make one, use your HR team's usual reporting "
    "channel; the programme's leads can help you find it."
)


def form() -> View:
    return View(
        type="modal",
        callback_id="uncomfortable_modal",
        title="Flag a concern",
        submit="Send to leads",
        close="Cancel",
        blocks=[
            section(
                "Tell the programme's leads that something in a check-in made you "
                "uncomfortable. It never goes to anyone's manager. " + NOT_HR
            ),
            InputBlock(
                block_id="text",
                label="What happened",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            ),
            InputBlock(
                block_id="share",
                label="Your name",
                optional=True,
                element=CheckboxesElement(
                    action_id="value",
                    options=[Option(text="Share my name so a lead can follow up", value="yes")],
                ),
            ),
        ],
    )


def flag(services: Services, actor: Actor, text: str, share_name: bool) -> int:
    """Owe each lead the note; returns how many leads will get it."""
    now = services.clock.now()
    body = clean(text, 2000)
    who = (
        f"{mention(actor.user_id)} asked to share their name."
        if share_name
        else ("The person chose to stay anonymous.")
    )
    message = (
        "*A check-in made someone uncomfortable.*\n"
        + (f">{escape(body)}\n" if body else "")
        + f"{who}\n_{NOT_HR}_"
    )
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
    leads = recipients(services, actor.team_id, programme_id)
    with services.db.transaction() as session:
        for lead in leads:
            outbox.send_dm(session, team_id=actor.team_id, user_id=lead, text=message, now=now)
    return len(leads)
