"""Models that keep the privacy promises: the key fingerprint, members' wrapped journal
keys, the weekly feedback key, and immutable per-week figures of closed weeks."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class KeyFingerprint(Base):
    """One row: which master secret sealed this database's encrypted rows."""

    __tablename__ = "key_fingerprint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class MemberKey(Base):
    """A member's journal data key, wrapped (AES-GCM) by a key derived from the master.

    Deleting the row (the member row's cascade does it) makes every journal entry of
    that member unreadable, wherever a copy of it survives: crypto-shredding.
    """

    __tablename__ = "member_key"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class FeedbackWeekKey(Base):
    """The random key of one open week's quota hashes; deleted when the week closes."""

    __tablename__ = "feedback_week_key"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)


class WeekSnapshot(Base):
    """One raw figure of one closed week, frozen the first time the week is reported.

    Closed weeks never change, so summaries add these up instead of re-reading every
    outcome; and a figure that cannot change cannot be differenced (a member who
    leaves, or is forgotten, does not move last week's count). ``metric`` ``_closed``
    marks a week as snapshotted even when it had no figures at all.
    """

    __tablename__ = "week_snapshot"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    grp: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
