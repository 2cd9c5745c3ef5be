"""Models for buddy pairing: org data, rules, rounds, pairs, sit-outs and check-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class OrgProfile(Base):
    """Department and manager of a person, from ``allybot import-org`` (no demographics)."""

    __tablename__ = "org_profile"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    department: Mapped[str | None] = mapped_column(String(128))
    manager_id: Mapped[str | None] = mapped_column(String(32))


class PairRule(Base):
    """A constraint between two people.

    ``kind``: ``personal`` (``owner`` never wants to be paired with ``other``),
    ``never`` / ``always`` (admin rules), ``ended`` (one of them ended a pairing:
    never paired again).
    """

    __tablename__ = "pair_rule"
    __table_args__ = (UniqueConstraint("programme_id", "kind", "owner", "other"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(32))
    other: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PairingRound(Base):
    """One pairing round of a programme; ``period`` makes it idempotent.

    A round is stored in short transactions; ``completed_at`` is set with its last
    one. Until then it is invisible to members: its pairs are ``pending`` and its
    messages held (``OutboxMessage.hold``), and ``report`` keeps the plan to finish.
    """

    __tablename__ = "pairing_round"
    __table_args__ = (UniqueConstraint("programme_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Pair(Base):
    """A buddy pair (ally + colleague) or an ally peer-support group in a round.

    ``status``: ``pending`` (its round is still being stored: nobody sees it yet);
    ``active``; ``ended`` (a member ended it privately); ``removed``
    (the programme admins took it out of its round); ``closed`` (too few people
    were left to continue after someone paused, left or was forgotten). Pairs are
    never deleted, so a pair id in an old message always means the same pair.
    ``intro_ref`` names its current introduction message (see ``MessageRef``).
    """

    __tablename__ = "pair"
    __table_args__ = (Index("ix_pair_round", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pairing_round.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # buddy | peer
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    intro_ref: Mapped[str | None] = mapped_column(String(64))


class PairParticipant(Base):
    """One person in a pair, with what they told us (so pairs query by person)."""

    __tablename__ = "pair_participant"
    __table_args__ = (Index("ix_pair_participant_user", "user_id"),)

    pair_id: Mapped[int] = mapped_column(
        ForeignKey("pair.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    responded: Mapped[bool] = mapped_column(default=False)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PairDeparture(Base):
    """Someone who is no longer in a pair they were introduced to, and why.

    ``reason``: ``swapped`` (an admin swapped them out), ``paused`` or ``left``.
    It lets their old buttons answer what happened instead of "not yours"; it is
    erased with everything else when they ask to be forgotten.
    """

    __tablename__ = "pair_departure"
    __table_args__ = (Index("ix_pair_departure_user", "user_id"),)

    pair_id: Mapped[int] = mapped_column(
        ForeignKey("pair.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SitOut(Base):
    """Someone who was not paired in a round, and why (they are told privately)."""

    __tablename__ = "sit_out"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pairing_round.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(255))


class CheckinOutcome(Base):
    """A person's answer to "did you meet?" for one pair.

    ``user_id`` is cleared when the person asks to be forgotten, so weekly
    aggregates already reported do not change. ``week`` is the ISO week the answer
    arrived in, the only time figures are grouped by.
    """

    __tablename__ = "checkin_outcome"
    __table_args__ = (
        UniqueConstraint("pair_id", "user_id"),
        Index("ix_checkin_outcome_programme_week", "programme_id", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="SET NULL"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(16))  # met | not_yet | wont
    usefulness: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    week: Mapped[str] = mapped_column(String(8))
