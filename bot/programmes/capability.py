"""Programmes: their settings (command, form, CLI) and members choosing among them."""

from __future__ import annotations

from bot.core.registry import Button, Capability, Command, HomeSection, Modal
from bot.programmes import cli, form, settings
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
    admin_actions=(settings.PROGRAMME_ACTION,),
    buttons=(Button("programme_configure", form.configure_button),),
    modals=(Modal("programme_modal", form.save, error_block="cadence"),),
    home_sections=(HomeSection("programme-settings", form.lead_section, lead=True),),
    cli_verbs=(cli.VERB,),
)
