"""Programmes: their settings (command, form, CLI), members choosing among them, and
programmes linked to a Slack channel (invitations on joining, out on leaving)."""

from __future__ import annotations

from bot.core.registry import (
    Button,
    Capability,
    Command,
    EventListener,
    Forgetter,
    HomeSection,
    Modal,
    Task,
)
from bot.programmes import channel_seeding, channels, cli, form, settings
from bot.programmes.commands import programmes_command

CAPABILITY = Capability(
    name="programmes",
    title="Programmes",
    commands=(
        Command(
            "programmes",
            "/ally programmes [join|leave NAME]",
            "the programmes you can take part in",
            programmes_command,
        ),
    ),
    admin_actions=(settings.PROGRAMME_ACTION, channel_seeding.INVITE_ACTION),
    buttons=(
        Button("programme_configure", form.configure_button),
        Button("channel_join_ally", channels.join_ally, replaces=True),
        Button("channel_join_colleague", channels.join_colleague, replaces=True),
        Button("channel_join_member", channels.join_member, replaces=True),
        Button("channel_not_now", channels.not_now, replaces=True),
        Button("channel_invite_confirm", channel_seeding.confirm_button, replaces=True),
        Button("channel_invite_cancel", channel_seeding.cancel_button, replaces=True),
    ),
    modals=(Modal("programme_modal", form.save, error_block="cadence"),),
    events=(
        EventListener("member_joined_channel", channels.on_member_joined),
        EventListener("member_left_channel", channels.on_member_left),
    ),
    tasks=(Task("channel-invitations", channel_seeding.seed_invitations),),
    home_sections=(HomeSection("programme-settings", form.lead_section, lead=True),),
    forgetters=(Forgetter("channel-invitations", channels.forget),),
    cli_verbs=(cli.VERB,),
)
