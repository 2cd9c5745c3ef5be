"""Meeting suggestions in an intro: date tokens, calendar links and the .ics file,
read back with independent parsers (urllib, the icalendar package)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar

from bot.pairing.meeting import Meeting, blocks, date_token, google_link, ics, outlook_link
from bot.pairing.slots import SLOT

SLOTS = (
    datetime(2026, 3, 3, 14, 0, tzinfo=UTC),
    datetime(2026, 3, 4, 14, 30, tzinfo=UTC),
    datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_ics_file_is_valid_rfc5545_with_one_tentative_free_event_per_slot() -> None:
    raw = ics(SLOTS, pair_id=42, now=NOW)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert [e.decoded("DTSTART") for e in events] == list(SLOTS)
    assert [e.decoded("DTEND") - e.decoded("DTSTART") for e in events] == [SLOT] * 3
    assert {str(e["STATUS"]) for e in events} == {"TENTATIVE"}
    assert {str(e["TRANSP"]) for e in events} == {"TRANSPARENT"}
    assert len({str(e["UID"]) for e in events}) == 3
    assert str(events[1]["SUMMARY"]) == "Allyship buddy chat (option 2 of 3)"
    assert "Keep the one time you agree on" in str(events[0]["DESCRIPTION"])


def test_calendar_links_open_the_right_half_hour() -> None:
    start = SLOTS[0]
    google = parse_qs(urlsplit(google_link(start)).query)
    assert urlsplit(google_link(start)).netloc == "calendar.google.com"
    assert google["action"] == ["TEMPLATE"]
    assert google["dates"] == ["20260303T140000Z/20260303T143000Z"]
    outlook = parse_qs(urlsplit(outlook_link(start)).query)
    assert urlsplit(outlook_link(start)).netloc == "outlook.office.com"
    assert outlook["startdt"] == ["2026-03-03T14:00:00Z"]
    assert outlook["enddt"] == ["2026-03-03T14:30:00Z"]
    for link in (google_link(start), outlook_link(start)):
        assert not set("<>| ") & set(link)


def test_times_are_slack_date_tokens_each_reader_sees_in_their_zone() -> None:
    token = date_token(SLOTS[0])
    assert token == ("<!date^1772546400^{date_short_pretty} at {time}|Tue 03 Mar, 14:00 UTC>")
    text = json.dumps([b.to_dict() for b in blocks(Meeting(NOW, SLOTS), 2)])
    assert text.count("<!date^") == 3 and "both of you" in text
    # Links are escaped like any mrkdwn (& -> &amp;) and every link is well formed.
    section = blocks(Meeting(NOW, SLOTS), 2)[0].to_dict()["text"]["text"]
    links = re.findall(r"<(https://[^|>]+)\|([^>]+)>", section)
    assert len(links) == 6 and all("&" not in u.replace("&amp;", "") for u, _ in links)


def test_no_shared_hours_is_said_plainly() -> None:
    (only,) = blocks(Meeting(NOW, ()), 3)
    text = only.to_dict()["text"]["text"]
    assert "don't overlap" in text and "all 3 of you" in text and "<!date" not in text


def test_a_long_line_is_folded_without_splitting_characters() -> None:
    from bot.pairing import meeting

    folded = meeting._fold("DESCRIPTION:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded)
    assert "".join(p[1:] if i else p for i, p in enumerate(folded)) == "DESCRIPTION:" + "é" * 80
    assert timedelta(minutes=30) == SLOT
