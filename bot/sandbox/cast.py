"""The people of the sandbox's pretend workspace, and its org chart.

Why these people: the guided tour needs an admin, two programme leads, allies and
colleagues spread over time zones (prompts arrive in each person's working hours,
dates render in each reader's zone), and managers (a manager and their report are
never paired). Most of them join at seeding; Alex (the visitor) and Maya are left
for the visitor to join, as the tour asks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.sandbox.slackfake import FakeUser

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Example & Co (sandbox)"
BOT_USER_ID = "U0ALLYBOT"
BOT_NAME = "Allyship Buddies"


@dataclass(frozen=True)
class Person:
    """One member of the pretend workspace."""

    id: str
    name: str
    title: str
    tz: str
    department: str
    manager: str | None = None
    #: "admin", "lead" or "" (a role in the programme comes from joining).
    office: str = ""
    #: The role they join as at seeding ("ally"/"colleague"), or "" to stay out.
    joins_as: str = ""
    #: What the tour has the visitor do as them (None: not part of the tour).
    tour_role: str = ""

    @property
    def handle(self) -> str:
        """What people type after ``@``: the first name, lower case."""
        return self.name.split()[0].lower()

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


ADA = "U01ADA"
PRIYA = "U02PRIYA"
TOM = "U03TOM"
ALEX = "U04ALEX"
MAYA = "U05MAYA"

CAST: tuple[Person, ...] = (
    Person(
        ALEX,
        "Alex Morgan",
        "Product designer",
        "Europe/London",
        "Design",
        "U09CHRIS",
        tour_role="you, an ally",
    ),
    Person(
        MAYA,
        "Maya Johnson",
        "Account executive",
        "America/New_York",
        "Sales",
        "U08JORDAN",
        tour_role="a colleague",
    ),
    Person(
        ADA,
        "Ada Okafor",
        "Head of People",
        "Europe/London",
        "People",
        office="admin",
        tour_role="the admin",
    ),
    Person(
        PRIYA,
        "Priya Raman",
        "Programme lead",
        "Asia/Kolkata",
        "People",
        ADA,
        office="lead",
        tour_role="a programme lead",
    ),
    Person(TOM, "Tom Becker", "Engineering manager", "Europe/Berlin", "Engineering", office="lead"),
    Person(
        "U06SAM",
        "Sam Lee",
        "Backend engineer",
        "America/Los_Angeles",
        "Engineering",
        TOM,
        joins_as="ally",
    ),
    Person(
        "U07KEN",
        "Ken Watanabe",
        "Site reliability engineer",
        "Asia/Tokyo",
        "Engineering",
        TOM,
        joins_as="ally",
    ),
    Person(
        "U08JORDAN", "Jordan Diaz", "Sales manager", "America/New_York", "Sales", joins_as="ally"
    ),
    Person("U09CHRIS", "Chris Novak", "Design lead", "Europe/Berlin", "Design", joins_as="ally"),
    Person(
        "U10LENA",
        "Lena Fischer",
        "Frontend engineer",
        "Europe/Berlin",
        "Engineering",
        TOM,
        joins_as="colleague",
    ),
    Person(
        "U11ROSA",
        "Rosa Martínez",
        "Account manager",
        "America/Mexico_City",
        "Sales",
        "U08JORDAN",
        joins_as="colleague",
    ),
    Person(
        "U12AISHA",
        "Aisha Bello",
        "UX researcher",
        "Africa/Lagos",
        "Design",
        "U09CHRIS",
        joins_as="colleague",
    ),
    Person(
        "U13MEI",
        "Mei Chen",
        "People partner",
        "Australia/Sydney",
        "People",
        ADA,
        joins_as="colleague",
    ),
)

#: Who the page shows first: the visitor, as the tour's step 1 says.
VISITOR = ALEX
ADMINS = frozenset(p.id for p in CAST if p.office == "admin")
LEADS = tuple(p.id for p in CAST if p.office == "lead")
BY_ID = {p.id: p for p in CAST}
#: The sandbox's one channel, for linking a programme from the admin's form. The bot
#: is not in it yet: linking tells the admin to invite it, as real Slack would.
CHANNELS = {"C0SBALLIES": "allyship-circle"}
CHANNEL_MEMBERS = (ADA, PRIYA, ALEX, MAYA)
BY_HANDLE = {p.handle: p for p in CAST}


def fake_users() -> list[FakeUser]:
    """The cast as the Slack fake's workspace members (plus the bot user)."""
    users = [FakeUser(id=p.id, real_name=p.name, name=p.handle, tz=p.tz, email=None) for p in CAST]
    users.append(FakeUser(id=BOT_USER_ID, real_name=BOT_NAME, name="allybot", is_bot=True))
    return users


def org_csv() -> str:
    """The org chart in the only shape ``allybot import-org`` accepts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "department", "manager_id"])
    for p in CAST:
        writer.writerow([p.id, p.department, p.manager or ""])
    return out.getvalue()


def display_name(user_id: str) -> str:
    """A cast member's name, the bot's name, or the id itself."""
    if user_id == BOT_USER_ID:
        return BOT_NAME
    person = BY_ID.get(user_id)
    return person.name if person else user_id
