"""Which reminders are due: a pure function of rules, read-model results and `now` (no I/O)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from tracker.events import PartialDate
from tracker.projections.decoding import dataclass_instance
from tracker.projections.errors import QueryRefused
from tracker.projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    MeetingStatus,
    PresidencyStatus,
    StatusChange,
)

__all__ = [
    "OPEN_MEETING_STATES",
    "RULE_KINDS",
    "Attachment",
    "DigestContent",
    "RecipientGroup",
    "Reminder",
    "Rule",
    "RuleKind",
    "build_digest_content",
    "deadline_day",
    "digest_reminders",
    "digest_slot",
    "due_reminders",
    "fact_token",
    "settle_lateness",
]

RuleKind = Literal[
    "deadline_approaching", "overdue", "stale", "meeting_upcoming", "chair_term_ending", "digest",
]
RULE_KINDS: tuple[RuleKind, ...] = (
    "deadline_approaching", "overdue", "stale", "meeting_upcoming", "chair_term_ending", "digest",
)
"""Every kind of rule, in the order the config documents them."""

OPEN_MEETING_STATES = frozenset({"scheduled", "rescheduled", "relocated"})
"""Meeting states that are still coming up (not cancelled, not held)."""


@dataclass(frozen=True)
class RecipientGroup:
    """Who hears about an organization's or body's items; no organizations and no bodies: everything."""

    name: str
    organizations: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    def covers(self, organization_id: str | None, body_id: str | None) -> bool:
        """Whether an item of this organization/body is this group's concern."""
        if not self.organizations and not self.bodies:
            return True
        return organization_id in self.organizations or (body_id is not None and body_id in self.bodies)


@dataclass(frozen=True)
class Rule:
    """One reminder rule from the config: what to look for, whom to tell, through which channels."""

    name: str
    kind: RuleKind
    channels: tuple[str, ...]
    recipients: tuple[RecipientGroup, ...] = ()
    days_before: tuple[int, ...] = ()
    stale_after_days: int | None = None
    weekday: int = 0  # digest: 0 = Monday
    at: time = time(8, 0)  # digest: UTC time of day


@dataclass(frozen=True)
class Attachment:
    """A file that travels with a reminder (the digest's HTML)."""

    filename: str
    content_type: str
    content: str


@dataclass(frozen=True)
class Reminder:
    """A reminder that is due, with the key that makes it go out once only."""

    key: str  # unique per rule, fact and fact version, e.g. "overdue:commitment:x:v2"
    rule: str
    kind: RuleKind
    entity: str  # "commitment:x", "meeting:y", "body:z", "digest:group"
    subject: str
    body: str  # plain text / Markdown
    recipients: tuple[str, ...]  # addresses, for channels that need them (email)
    groups: tuple[str, ...]  # recipient group names
    channels: tuple[str, ...]
    due_on: date  # the day it was meant to go out
    late: bool  # issued after its day although the fact was already recorded on that day (downtime)
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    fact: str = ""  # the version of the fact reminded about (see fact_token): what "already recorded" compares


@dataclass(frozen=True)
class DigestContent:
    """A digest's subject, Markdown body and HTML rendering."""

    subject: str
    markdown: str
    html: str


def deadline_day(due_on: PartialDate) -> date:
    """The day a commitment is due: the latest day its (possibly partial) due date allows."""
    # Same reading as CommitmentStatus.overdue (latest possible day < as_of): a commitment
    # due "2025-06" is not late before July, so it is not "approaching" against June 1st either.
    return due_on.latest


def _groups(rule: Rule, organization_id: str | None, body_id: str | None) -> tuple[RecipientGroup, ...] | None:
    """The rule's groups covering an item; None when the rule names groups and none cover it."""
    if not rule.recipients:
        return ()
    hit = tuple(g for g in rule.recipients if g.covers(organization_id, body_id))
    return hit or None


def _addresses(groups: Iterable[RecipientGroup]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for address in group.addresses:
            seen.setdefault(address, None)
    return tuple(seen)


def _stage(target: date, days_before: Sequence[int], today: date) -> int | None:
    """The nearest offset whose day has come, while the target is not past: one reminder per item.

    After downtime the earlier offsets are skipped on purpose: a month's gap yields the one
    reminder that is still true now, not a burst of every stage that was missed.
    """
    if today > target:
        return None
    passed = [d for d in days_before if target - timedelta(days=d) <= today]
    return min(passed) if passed else None


def _days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _late_note(late: bool, due: date) -> str:
    return f"\n\n(Issued late: this reminder was due on {due.isoformat()}.)" if late else ""


_Heard = tuple[tuple[str, ...], tuple[str, ...]]  # (addresses, group names) of the groups an item concerns


class _Audience:
    """A rule's recipients for an item's scope, resolved once per (organization, body) a scan meets.

    Thousands of items share a handful of scopes: matching every group against every item,
    then collecting addresses and names, was a fifth of deriving 6,357 reminders.
    """

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.seen: dict[tuple[str | None, str | None], _Heard | None] = {}

    def __call__(self, organization_id: str | None, body_id: str | None) -> _Heard | None:
        """(addresses, group names) for an item of this scope; None when the rule's groups leave it out."""
        scope = (organization_id, body_id)
        if scope in self.seen:
            return self.seen[scope]
        groups = _groups(self.rule, organization_id, body_id)
        found = None if groups is None else (_addresses(groups), tuple(g.name for g in groups))
        self.seen[scope] = found
        return found


def _make(
    rule: Rule, key_tail: str, entity: str, audience: _Heard, *, due: date, today: date, subject: str, body: str,
    fact: str,
) -> Reminder:
    # Tentatively late when its day has passed; the scan then asks whether the fact was
    # recorded by that day (settle_lateness): a fact recorded after it was never missed.
    late = due < today
    return Reminder(
        key=f"{rule.name}:{entity}:{key_tail}",
        rule=rule.name,
        kind=rule.kind,
        entity=entity,
        subject=subject,
        body=body + _late_note(late, due),
        recipients=audience[0],
        groups=audience[1],
        channels=rule.channels,
        due_on=due,
        late=late,
        fact=fact,
    )


def settle_lateness(reminder: Reminder, *, known_in_time: bool) -> Reminder:
    """The reminder as issued: late only if its day has passed and the fact was recorded by that day."""
    if not reminder.late or known_in_time:
        return reminder
    # A copy of the instance's fields, not dataclasses.replace: replace re-runs the generated
    # __init__ for every field (5,297 reminders settled on a first scan: 74 ms against 19 ms, loaded).
    # Equal by construction: Reminder has no __post_init__ and no field outside __init__.
    fields = dict(reminder.__dict__)
    fields["late"] = False
    fields["body"] = reminder.body.removesuffix(_late_note(True, reminder.due_on))
    return dataclass_instance(Reminder, fields)


def fact_token(item: CommitmentStatus | MeetingStatus | PresidencyStatus | None, kind: RuleKind) -> str | None:
    """The version of the fact a reminder of `kind` is about, as the item shows it (None: no such fact)."""
    if item is None:
        return None
    if isinstance(item, CommitmentStatus):
        if kind == "stale":
            return f"after:{item.last_development.ref}"
        return f"due:{item.due_on.text if item.due_on else '-'}:v{item.due_version}"
    if isinstance(item, MeetingStatus):
        return f"starts:{item.starts_on.text}:r{item.reschedule_count}"
    end = _term_end(item)
    if item.current is None or end is None:
        return None
    return f"chair:{item.current.state}:{item.current.start.text}:{end.isoformat()}"


def _token(token: str | None) -> str:
    assert token is not None  # the item a reminder is made from always shows its fact
    return token


def _commitment_open(c: CommitmentStatus) -> bool:
    return c.status == "undertaken"


def _deadline_reminders(rule: Rule, commitments: Iterable[CommitmentStatus], today: date) -> Iterable[Reminder]:
    """Approaching deadlines of open commitments (the caller leaves out the others)."""
    audience = _Audience(rule)
    for c in commitments:
        if c.due_on is None:
            continue
        target = deadline_day(c.due_on)
        stage = _stage(target, rule.days_before, today)
        if stage is None:
            continue
        heard = audience(c.organization_id, c.body_id)
        if heard is None:
            continue
        left = (target - today).days
        yield _make(
            rule, f"v{c.due_version}:{stage}d", f"commitment:{c.commitment_id}", heard,
            due=target - timedelta(days=stage), today=today, fact=_token(fact_token(c, rule.kind)),
            subject=f"Due {_days_phrase(left)}: {c.title}",
            body=f"Commitment {c.commitment_id} ({c.organization_id}) is due on {c.due_on.describe()}"
            f" — {_days_phrase(left)}.\nParties: {', '.join(c.parties) or '—'}\n"
            f"Implementation level: {c.level}\nLast development: {c.last_development.summary}"
            f" ({c.last_development.occurred_on})",
        )


def _overdue_reminders(rule: Rule, commitments: Iterable[CommitmentStatus], today: date) -> Iterable[Reminder]:
    """Overdue open commitments (the caller leaves out the others)."""
    audience = _Audience(rule)
    for c in commitments:
        if not c.overdue or c.due_on is None:
            continue
        heard = audience(c.organization_id, c.body_id)
        if heard is None:
            continue
        # Overdue from the day after the latest possible due day; the due version is the fact's
        # version, so a moved deadline that passes again is a new reminder, the same one never twice.
        became = deadline_day(c.due_on) + timedelta(days=1)
        yield _make(
            rule, f"v{c.due_version}", f"commitment:{c.commitment_id}", heard, due=min(became, today), today=today,
            fact=_token(fact_token(c, rule.kind)), subject=f"Overdue: {c.title}",
            body=f"Commitment {c.commitment_id} ({c.organization_id}) was due on {c.due_on.describe()}"
            f" and is still {c.status}.\nImplementation level: {c.level}\n"
            f"Last development: {c.last_development.summary} ({c.last_development.occurred_on})",
        )


def _stale_reminders(rule: Rule, commitments: Iterable[CommitmentStatus], today: date) -> Iterable[Reminder]:
    """Open commitments with no development for the rule's days (the caller leaves out the others)."""
    audience = _Audience(rule)
    for c in commitments:
        last = c.last_development
        last_day = max(last.occurred_on.latest, last.recorded_at.date())
        if rule.stale_after_days is None:
            if not c.stale:
                continue
            # The read model decides staleness on its own N; when it became stale is unknown: not late.
            since = today
        else:
            since = last_day + timedelta(days=rule.stale_after_days)
            if since > today:
                continue
        heard = audience(c.organization_id, c.body_id)
        if heard is None:
            continue
        # Keyed on the last development: a new development and another silence is a new reminder.
        yield _make(
            rule, f"after:{last.ref}", f"commitment:{c.commitment_id}", heard, due=since, today=today,
            fact=_token(fact_token(c, rule.kind)), subject=f"No news: {c.title}",
            body=f"Commitment {c.commitment_id} ({c.organization_id}) has had no development since"
            f" {last.occurred_on.describe()} ({last.summary}).\nStatus: {c.status}; level: {c.level}",
        )


def _meeting_reminders(rule: Rule, meetings: Iterable[MeetingStatus], today: date) -> Iterable[Reminder]:
    audience = _Audience(rule)
    for m in meetings:
        if m.status not in OPEN_MEETING_STATES:
            continue
        heard = audience(m.organization_id, m.body_id)
        if heard is None:
            continue
        # Earliest possible day: for a meeting known only to the month, warn ahead of the month.
        target = m.starts_on.earliest
        stage = _stage(target, rule.days_before, today)
        if stage is None:
            continue
        left = (target - today).days
        where = ", ".join(p for p in (m.venue, m.city, m.host_state) if p) or "place not known"
        name = f"{m.body_id} meeting" + (f" no. {m.number}" if m.number else "")
        when = m.starts_on.describe() + (f" to {m.ends_on.describe()}" if m.ends_on else "")
        yield _make(
            rule, f"r{m.reschedule_count}:{stage}d", f"meeting:{m.meeting_id}", heard,
            due=target - timedelta(days=stage), today=today, fact=_token(fact_token(m, rule.kind)),
            subject=f"Meeting {_days_phrase(left)}: {name}",
            body=f"Meeting {m.meeting_id} of {m.body_id} ({m.organization_id}): {when}, {where}"
            f" ({m.format}, {m.status})." + (f"\nTheme: {m.theme}" if m.theme else ""),
        )


def _term_end(p: PresidencyStatus) -> date | None:
    if p.current is None:
        return None
    if p.current.end is not None:
        return p.current.end.latest
    # Still chairing with no recorded end: the rule's expected start of the next term ends this one.
    for _state, start in p.upcoming[:1]:
        return start
    return None


def _chair_reminders(rule: Rule, presidencies: Iterable[PresidencyStatus], today: date) -> Iterable[Reminder]:
    for p in presidencies:
        end = _term_end(p)
        if end is None or p.current is None:
            continue
        heard = _Audience(rule)(p.organization_id, p.body_id)
        if heard is None:
            continue
        stage = _stage(end, rule.days_before, today)
        if stage is None:
            continue
        left = (end - today).days
        nxt = p.expected_next or (p.upcoming[0][0] if p.upcoming else None)
        # The term's start and end are its version: a moved end date is a new reminder.
        tail = f"{p.current.state}:{p.current.start.text}:{end.isoformat()}:{stage}d"
        yield _make(
            rule, tail, f"body:{p.body_id}", heard, due=end - timedelta(days=stage), today=today,
            fact=_token(fact_token(p, rule.kind)),
            subject=f"Chair term ending {_days_phrase(left)}: {p.current.state} in {p.body_id}",
            body=f"{p.current.state}'s chairmanship of {p.body_id} ({p.organization_id}), since"
            f" {p.current.start.describe()}, ends on {end.isoformat()}.\n"
            f"Expected next under the rule ({p.rule}): {nxt or 'not determinable'}",
        )


def due_reminders(
    rules: Sequence[Rule],
    *,
    commitments: Sequence[CommitmentStatus],
    meetings: Sequence[MeetingStatus],
    presidencies: Sequence[PresidencyStatus],
    now: datetime,
) -> list[Reminder]:
    """Every reminder the rules make due at `now` (digests aside), each under its unique key."""
    today = _utc(now).date()
    out: list[Reminder] = []
    # Every commitment rule is about open commitments only: picked once, not once per rule.
    open_commitments = [c for c in commitments if _commitment_open(c)]
    for rule in rules:
        if rule.kind == "deadline_approaching":
            out.extend(_deadline_reminders(rule, open_commitments, today))
        elif rule.kind == "overdue":
            out.extend(_overdue_reminders(rule, open_commitments, today))
        elif rule.kind == "stale":
            out.extend(_stale_reminders(rule, open_commitments, today))
        elif rule.kind == "meeting_upcoming":
            out.extend(_meeting_reminders(rule, meetings, today))
        elif rule.kind == "chair_term_ending":
            out.extend(_chair_reminders(rule, presidencies, today))
    return out


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise QueryRefused([("now", moment.isoformat(), "a timezone-aware datetime is required, got a naive one")])
    return moment.astimezone(UTC)


def digest_slot(rule: Rule, now: datetime) -> datetime:
    """The latest weekly digest time at or before `now` (UTC): one digest per slot, whatever the downtime."""
    now = _utc(now)
    candidate = datetime.combine(now.date(), rule.at, tzinfo=UTC)
    candidate -= timedelta(days=(candidate.weekday() - rule.weekday) % 7)
    if candidate > now:
        candidate -= timedelta(days=7)
    return candidate


def digest_reminders(
    rule: Rule,
    *,
    slot: datetime,
    now: datetime,
    contents: Sequence[tuple[RecipientGroup | None, datetime, DigestContent]],
) -> list[Reminder]:
    """The digest reminders of one slot, one per recipient group (or one for all), Markdown body and HTML attached."""
    today = _utc(now).date()
    out = []
    for group, _since, content in contents:
        groups = (group,) if group is not None else ()
        late = slot.date() < today
        out.append(Reminder(
            key=f"{rule.name}:digest:{group.name if group else '*'}:{slot.date().isoformat()}",
            rule=rule.name,
            kind="digest",
            entity=f"digest:{group.name if group else '*'}",
            subject=content.subject,
            body=content.markdown + _late_note(late, slot.date()),
            recipients=_addresses(groups),
            groups=tuple(g.name for g in groups),
            channels=rule.channels,
            due_on=slot.date(),
            late=late,
            attachments=(Attachment("digest.html", "text/html", content.html),),
        ))
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def build_digest_content(
    developments: Sequence[DevelopmentSummary],
    changes: Sequence[StatusChange],
    *,
    since: datetime,
    now: datetime,
    scope: str,
) -> DigestContent:
    """The weekly digest (stand-in for projections.reports): what was recorded and what changed since `since`."""
    since_s = _utc(since).strftime("%Y-%m-%d %H:%M UTC")
    now_s = _utc(now).strftime("%Y-%m-%d %H:%M UTC")
    live = [d for d in developments if not d.retracted]
    subject = f"Tracker digest ({scope}): {len(changes)} status changes, {len(live)} developments since {since_s}"
    md = [f"# Changes since {since_s}", "", f"Scope: {scope}. As of {now_s}.", ""]
    md.append(f"## Status changes ({len(changes)})")
    md.append("")
    if changes:
        md += ["| Entity | Field | Before | After | Occurred | Ref |", "|---|---|---|---|---|---|"]
        md += [
            f"| {_md_escape(c.entity)} | {c.field} | {_md_escape(c.before or '—')} | {_md_escape(c.after or '—')}"
            f" | {c.occurred_on} | {c.ref} |"
            for c in changes
        ]
    else:
        md.append("None.")
    md += ["", f"## Developments recorded ({len(live)})", ""]
    md += [f"- {d.occurred_on}: {d.summary} ({d.ref})" for d in live] or ["None."]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(c.entity)}</td><td>{esc(c.field)}</td><td>{esc(c.before or '—')}</td>"
        f"<td>{esc(c.after or '—')}</td><td>{esc(str(c.occurred_on))}</td><td>{esc(c.ref)}</td></tr>"
        for c in changes
    )
    items = "".join(f"<li>{esc(str(d.occurred_on))}: {esc(d.summary)} ({esc(d.ref)})</li>" for d in live)
    page = (
        f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{esc(subject)}</title></head><body>"
        f"<h1>Changes since {esc(since_s)}</h1><p>Scope: {esc(scope)}. As of {esc(now_s)}.</p>"
        f"<h2>Status changes ({len(changes)})</h2>"
        + (f"<table><tr><th>Entity</th><th>Field</th><th>Before</th><th>After</th><th>Occurred</th>"
           f"<th>Ref</th></tr>{rows}</table>" if changes else "<p>None.</p>")
        + f"<h2>Developments recorded ({len(live)})</h2>"
        + (f"<ul>{items}</ul>" if live else "<p>None.</p>")
        + "</body></html>"
    )
    return DigestContent(subject=subject, markdown="\n".join(md) + "\n", html=page)
