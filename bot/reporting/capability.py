"""Reporting: lead summaries, the weekly digest and the CSV export, all through the
anonymity rules."""

from __future__ import annotations

from bot.core.registry import Capability, Command, HomeSection, Task
from bot.reporting import commands, digest, export, snapshots

CAPABILITY = Capability(
    name="reporting",
    title="For programme leads",
    commands=(
        Command(
            "summary",
            "/ally summary [programme] [weeks]",
            "programme figures (leads and admins)",
            commands.summary_command,
            changes=False,
        ),
    ),
    home_sections=(HomeSection("lead-summary", commands.lead_summary_section, lead=True),),
    tasks=(
        Task("snapshot-weeks", snapshots.snapshot_due),
        Task("lead-digest", digest.send_due),
    ),
    cli_verbs=(export.VERB,),
)
