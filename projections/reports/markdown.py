"""The Markdown report, for email and wikis: every piece of stored text is escaped before it is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from tracker.events import PartialDate
from tracker.projections.model import MeetingStatus, PresidencyStatus, ReviewItem
from tracker.projections.reports.data import (
    COMMITMENT_STATES,
    CONSENT_MARKS,
    LEVELS,
    CommitmentRow,
    DocumentRow,
    MeetingRow,
    ProposalRow,
    ReportData,
    SourceEntry,
    consent_text,
    previous_chair,
    shown_expectation,
    since_text,
)
from tracker.projections.reports.i18n import Texts
from tracker.projections.safety import safe_text

__all__ = ["escape_markdown", "markdown_chunks", "render_markdown"]

# One translation table, applied in a single pass so an entity's own '&' and ';' are never
# re-escaped: raw HTML becomes entities, and what Markdown (CommonMark + GFM tables) would read
# as emphasis, code, links, strikethrough or a cell boundary gets a backslash.
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {ch: "\\" + ch for ch in "\\`*_[]{}|~"}
)


# ASCII text that none of the steps below would change: no control character (safe_text), nothing
# to escape, no whitespace but single inner spaces. Most stored text is such: returned as it is
# (a third of the time, and a 10,000-commitment report escapes some 85,000 pieces).
_NOT_PLAIN = re.compile(r"[&<>\\`*_\[\]{}|~\x00-\x1f\x7f]|  |^ | $")


def escape_markdown(text: str) -> str:
    """Text made inert for Markdown: display-safe, raw HTML as entities, pipes and link marks backslashed, one line."""
    if text.isascii() and _NOT_PLAIN.search(text) is None:
        return text
    # A newline would end a table row or a list item and let the rest start a block of its own.
    return " ".join(safe_text(text).translate(_ESCAPES).split())


def _e(text: str | None) -> str:
    return escape_markdown(text) if text else ""


def _url(url: str) -> str:
    # Only http(s) becomes a link; inside <...> a destination may not hold <, > or spaces.
    return re.sub(r"[<>\s|]", lambda m: f"%{ord(m.group(0)):02X}", safe_text(url))


class _Writer:
    """Formats one report's values as escaped Markdown in its language."""

    def __init__(self, report: ReportData) -> None:
        self.r = report
        self.t: Texts = report.texts
        # Formatted once per distinct value: a long table repeats the same few dates, states and
        # words on every row. Bounded by the distinct values (dates, party lists) in the report.
        self._dates: dict[str, str] = {}
        self._states: dict[tuple[str, ...], str] = {}
        self._words: dict[tuple[str, str], str] = {}
        self._said: dict[tuple[str, str], str] = {}  # catalogue phrases by key and one repeated value
        self._short: dict[str, str] = {}  # short repeated text (publishers, languages) escaped
        self.overdue_mark = f"**{self.tr('mark.overdue').upper()}**"
        self.stale_mark = self.tr("mark.stale")

    def said(self, key: str, name: str, value: str) -> str:
        """`tr(key, name=value)`, once per distinct value: for values drawn from a small set (dates)."""
        found = self._said.get((key, value))
        if found is None:
            found = self._said[key, value] = self.tr(key, **{name: value})
        return found

    def short(self, text: str) -> str:
        """`_e(text)` once per distinct text: for a small set of values repeated row after row."""
        found = self._short.get(text)
        if found is None:
            found = self._short[text] = _e(text)
        return found

    def tr(self, key: str, **values: object) -> str:
        # Catalogue strings are ours, but the values filled in may be stored text: escape the whole.
        return escape_markdown(self.t(key, **values))

    def date(self, value: PartialDate | None) -> str:
        if value is None:
            return ""
        found = self._dates.get(value.text)
        if found is None:
            found = self._dates[value.text] = escape_markdown(self.t.date(value))
        return found

    def state(self, code: str | None) -> str:
        return _e(self.t.state(code))

    def states(self, codes: Sequence[str]) -> str:
        key = tuple(codes)
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = _e(self.t.states(list(codes)))
        return found

    def word(self, group: str, value: str) -> str:
        found = self._words.get((group, value))
        if found is None:
            found = self._words[group, value] = _e(self.t.word(group, value))
        return found

    def named(self, kind: str, entity_id: str | None) -> str:
        """A recorded name with its id beside it: 'Meeting of ... (sco-prosecutors-general)'."""
        if not entity_id:
            return ""
        name = self.r.name(kind, entity_id)
        return _e(entity_id) if name == entity_id else f"{_e(name)} ({_e(entity_id)})"

    def refs(self, numbers: Iterable[int]) -> str:
        cited = " ".join(f"[{n}]" for n in numbers)
        return cited or f"*{self.tr('mark.unsourced')}*"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    # Lines as the rows come: a streamed report's long tables are never held whole.
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join("---" for _ in header) + "|"
    for row in rows:
        yield "| " + " | ".join([cell or " " for cell in row]) + " |"


def _headline(w: _Writer) -> list[str]:
    h = w.r.headline
    counts = dict(h.by_status)
    levels = dict(h.by_level)
    lines = [
        f"## {w.tr('section.headline')}",
        "",
        f"- **{w.tr('headline.commitments')}:** {h.commitments} ("
        + ", ".join(f"{w.word('value.status', s)} {counts.get(s, 0)}" for s in COMMITMENT_STATES)
        + ")",
        f"- **{w.tr('headline.implementation')}:** "
        + ", ".join(f"{w.word('value.level', lv)} {levels.get(lv, 0)}" for lv in LEVELS),
        f"- **{w.tr('headline.overdue')}:** {h.overdue} · **{w.tr('headline.stale')}:** {h.stale}",
        f"- **{w.tr('headline.proposals')}:** {h.proposals} "
        f"({w.tr('headline.proposals_waiting', waiting=h.proposals_waiting)})",
        f"- **{w.tr('headline.documents_in_force')}:** "
        f"{w.tr('headline.of', n=h.documents_in_force, total=h.documents)}",
    ]
    if h.chairs:
        chairs = "; ".join(
            f"{w.named('body', c.body_id)}: {w.state(c.state) or w.tr('headline.none')}"
            + (f" {w.tr('headline.since', date=w.t.date(c.since))}" if c.since else "")
            for c in h.chairs
        )
        lines.append(f"- **{w.tr('headline.chairs')}:** {chairs}")
    return [*lines, ""]


def _commitment_cells(w: _Writer, row: CommitmentRow) -> list[str]:
    marks = []
    if row.overdue:
        marks.append(w.overdue_mark)
    if row.stale:
        marks.append(w.stale_mark)
    status = w.word("value.status", row.status) + (
        f" {w.tr('status.superseded_by', id=row.superseded_by)}" if row.superseded_by else ""
    )
    return [
        f"{_e(row.title)}<br>{_e(row.commitment_id)}",
        status,
        w.word("value.level", row.level),
        w.states(row.parties),
        w.date(row.due_on),
        " ".join(marks),
        _e(w.t.development(row.last_development.type, row.last_development.summary)),
        w.date(row.last_development.occurred_on),
        w.refs(row.sources),
    ]


def _commitments(w: _Writer) -> Iterator[str]:
    yield from (f"## {w.tr('section.commitments')}", "")
    if not w.r.commitments:
        yield from (w.tr("empty.commitments"), "")
        return
    header = [w.tr(f"col.{c}") for c in
              ("commitment", "status", "level", "parties", "due", "marks", "last_development", "on", "sources")]
    yield from _table(header, (_commitment_cells(w, r) for r in w.r.commitments))
    yield ""


def _proposal_cells(w: _Writer, row: ProposalRow) -> list[str]:
    who = w.state(row.by_state)
    if row.by_person or row.by_office:
        who += "<br>" + _e(", ".join(x for x in (row.by_person, row.by_office) if x))
    status = w.word("value.status", row.status)
    if row.deferred_until is not None:
        status += " " + w.tr("proposal.deferred_until", date=w.t.date(row.deferred_until))
    if row.stale:
        status += f" · {w.tr('mark.stale')}"
    became = ""
    if row.adopted_into is not None:
        kind, target = row.adopted_into
        became = w.tr("proposal.became", kind=w.t.word("value.kind", kind), title=row.became or target)
    title = f"{_e(row.title)}<br>{_e(row.proposal_id)}"
    if row.summary:
        title += f"<br>{_e(row.summary)}"
    return [
        title,
        status,
        who,
        w.date(row.tabled_on),
        w.states(row.supporters),
        became,
        w.tr("proposal.days", days=row.days_since),
        w.refs(row.sources),
    ]


def _proposals(w: _Writer) -> Iterator[str]:
    yield from (f"## {w.tr('section.proposals')}", "")
    if not w.r.proposals:
        yield from (w.tr("empty.proposals"), "")
        return
    header = [w.tr(f"col.{c}") for c in
              ("proposal", "status", "proposer", "tabled", "supporters", "became", "quiet", "sources")]
    yield from _table(header, (_proposal_cells(w, r) for r in w.r.proposals))
    yield ""


def _document(w: _Writer, doc: DocumentRow) -> list[str]:
    if doc.in_force:
        scope = (w.tr("document.for", states=w.t.states(list(doc.in_force_for))) if doc.in_force_for
                 else w.tr("document.for_all"))
        force = (w.tr("document.in_force_since", date=w.t.date(doc.in_force_on)) if doc.in_force_on
                 else w.tr("document.in_force"))
        force = f"{force} {scope}"
    else:
        force = w.tr("document.not_in_force")
    line = w.tr("document.line", kind=w.t.word("value.kind", doc.kind), id=doc.document_id,
                date=w.t.date(doc.drafted_on))
    lines = [
        f"### {_e(doc.title)}",
        "",
        f"{line}; **{force}**. {w.tr('col.sources')}: {w.refs(doc.sources)}",
        "",
    ]
    rows = (
        [
            w.state(p.state),
            _e(p.signed_on.text) if p.signed_on else "",
            _e(consent_text(p)),
            _e(p.denounced_on.text) if p.denounced_on else "",
            "; ".join(_e(r) for r in p.reservations),
        ]
        for p in doc.parties
    )
    header = [w.tr(f"col.{c}") for c in ("participant", "signature", "consent", "denunciation", "reservations")]
    return [*lines, *_table(header, rows), ""]


def _documents(w: _Writer) -> list[str]:
    lines = [f"## {w.tr('section.documents')}", ""]
    if not w.r.documents:
        return [*lines, w.tr("empty.documents"), ""]
    assert set(CONSENT_MARKS) >= {"ratification", "accession"}  # the header names these marks
    for doc in w.r.documents:
        lines.extend(_document(w, doc))
    return lines


def _presidency(w: _Writer, p: PresidencyStatus) -> list[str]:
    if p.current is not None:
        current = w.tr("presidency.since", state=w.t.state(p.current.state), date=w.t.date(p.current.start))
        previous = previous_chair(p)
        if previous:
            current += f"; {w.tr('presidency.previous', state=w.t.state(previous))}"
    else:
        current = w.tr("presidency.none")
    t = w.t
    upcoming = t("list.then").join(
        t("presidency.from", state=t.state(state), date=t.day(start)) if start else t.state(state)
        for state, start in p.upcoming
    )
    assumed = p.body_id in w.r.assumed_rules
    rule = _e(w.t.rule(p.rule)) + (f" (**{w.tr('mark.assumed')}**: {w.tr('mark.assumed_note')})" if assumed else "")
    expected = w.state(p.expected_next) or w.tr("presidency.not_computable")
    if p.expected_next:
        expected += f" ({w.tr('mark.predicted')})"
    lines = [
        f"### {w.named('body', p.body_id)}",
        "",
        f"- **{w.tr('presidency.organization')}:** {w.named('organization', p.organization_id)}",
        f"- **{w.tr('presidency.rule')}:** {rule}",
        f"- **{w.tr('presidency.current')}:** {current}",
        f"- **{w.tr('presidency.expected_next')}:** {expected}"
        + (f"; {w.tr('presidency.upcoming', list=upcoming)}" if upcoming else ""),
    ]
    for key, coded, english in (("deviation", p.deviation_messages, p.deviations), ("gap", p.gap_messages, p.gaps),
                                ("chain_conflict", p.chain_conflict_messages, p.chain_conflicts),
                                ("note", p.note_messages, p.notes)):
        lines.extend(f"- **{w.tr('presidency.' + key)}:** {_e(item)}" for item in w.t.lines(coded, english))
    lines.append("")
    rows = (
        [w.state(t.state), w.date(t.start), w.date(t.end) or w.tr("mark.current"),
         w.state(shown_expectation(t)), f"**{w.tr('mark.yes')}**" if t.deviation else ""]
        for t in p.terms
    )
    header = [w.tr(f"col.{c}") for c in ("chair", "from", "to", "expected", "deviation")]
    return [*lines, *_table(header, rows), ""]


def _presidencies(w: _Writer) -> list[str]:
    lines = [f"## {w.tr('section.presidency')}", ""]
    if not w.r.presidencies:
        return [*lines, w.tr("empty.presidency"), ""]
    for p in w.r.presidencies:
        lines.extend(_presidency(w, p))
    return lines


def _meeting_cells(w: _Writer, row: MeetingRow) -> list[str]:
    m: MeetingStatus = row.meeting
    name = w.tr("meeting.number", number=m.number) if m.number is not None else _e(m.meeting_id)
    place = ", ".join(x for x in (_e(m.venue), _e(m.city), w.state(m.host_state)) if x)
    return [name, w.named("body", m.body_id), w.date(m.held_on or m.starts_on), place,
            w.word("value.status", m.status), w.state(m.chaired_by), w.refs(row.sources)]


def _meetings(w: _Writer) -> list[str]:
    lines = [f"## {w.tr('section.meetings')}", ""]
    header = [w.tr(f"col.{c}") for c in ("meeting", "body", "date", "place", "status", "chaired_by", "sources")]
    for key, rows in (("recent", w.r.meetings.recent), ("upcoming", w.r.meetings.upcoming)):
        lines.extend([f"### {w.tr('meetings.' + key)}", ""])
        if rows:
            lines.extend([*_table(header, (_meeting_cells(w, r) for r in rows)), ""])
        else:
            lines.extend([w.tr("empty.meetings"), ""])
    return lines


def _changes(w: _Writer) -> list[str]:
    c = w.r.changes
    if c is None:
        return []
    what = w.tr("changes.recorded" if c.kind == "recorded" else "changes.world")
    lines = [f"## {w.tr('changes.title', since=since_text(w.t, c))} ({what})", ""]
    if not c.groups:
        return [*lines, w.tr("empty.changes"), ""]
    for group in c.groups:
        lines.extend([f"### {_e(group.label)}", ""])
        for e in group.entries:
            flags = "".join(
                f" *({w.tr(key)})*" for key, on in (("mark.retracted", e.retracted), ("mark.corrected", e.corrected_by))
                if on
            )
            lines.append(
                f"- {w.date(e.occurred_on)}: {_e(e.sentence)}{flags} "
                f"({w.tr('changes.recorded_at', time=w.t.moment(e.recorded_at))}) {w.refs(e.sources)}"
            )
        lines.extend(f"- {w.date(s.occurred_on)}: {_e(text)}"
                     for s, text in zip(group.unmatched, group.unmatched_sentences, strict=True))
        lines.append("")
    return lines


def _review(w: _Writer, items: Sequence[ReviewItem]) -> list[str]:
    lines = [f"## {w.tr('section.review')}", ""]
    if not items:
        return [*lines, w.tr("empty.review"), ""]
    rows = ([w.word("value.review", r.kind), _e(w.r.label(r.entity)), _e(w.t.message(r.code, r.params, r.message)),
             _e(" ".join(r.refs))]
            for r in items)
    header = [w.tr(f"col.{c}") for c in ("kind", "entity", "message", "refs")]
    return [*lines, *_table(header, rows), ""]


def _source(w: _Writer, s: SourceEntry) -> list[str]:
    title = _e(s.title) if s.title else w.short(s.publisher)
    cited = f"[{title}](<{_url(s.url)}>)" if s.url and s.url.startswith(("https://", "http://")) else title
    parts = [cited]
    if s.title:
        parts.append(w.short(s.publisher))
    parts.append(w.said("sources.published", "date", w.t.date(s.published_on)) if s.published_on
                 else w.tr("sources.undated"))
    if s.language:
        parts.append(w.short(s.language))
    lines = [f"- \\[{s.number}\\] " + ", ".join(parts)]
    lines.extend(f"  - {w.tr('sources.quote', quote=q)}" for q in s.quotes)
    return lines


def _sources(w: _Writer) -> list[str]:
    lines = [f"## {w.tr('section.sources')}", ""]
    if not w.r.sources:
        return [*lines, w.tr("empty.sources"), ""]
    for s in w.r.sources:
        lines.extend(_source(w, s))
    return [*lines, "", w.tr("legend.unsourced"), ""]


def _lines(report: ReportData) -> Iterator[str]:
    w = _Writer(report)
    t = w.t
    meta = " · ".join((
        f"{w.tr('meta.scope')}: {_e(report.scope.label(t, report.names))}",
        f"{w.tr('meta.as_of')} {_e(t.day(report.as_of))}",
        f"{w.tr('meta.known_at')} {_e(t.moment(report.known_at))}",
        f"{w.tr('meta.generated')} {_e(t.moment(report.generated_at))}",
        w.tr("meta.log_head", position=report.log_head.position, head=report.log_head.chain_head or "—"),
    ))
    yield from (f"# {_e(report.title)}", "", meta, "")
    # Each section is made only when reached: a streamed report's rows cite their sources in
    # document order, and the sources section lists what was cited by then.
    sections: tuple[Callable[[], Iterable[str]], ...] = (
        lambda: _headline(w),
        lambda: _commitments(w),
        lambda: _proposals(w),
        lambda: _documents(w),
        lambda: _presidencies(w),
        lambda: _meetings(w),
        lambda: _changes(w),
        lambda: _review(w, report.review),
        lambda: _sources(w),
    )
    for section in sections:
        yield from section()


def markdown_chunks(report: ReportData) -> Iterator[str]:
    """The Markdown report as consecutive pieces of text, made as they are written (a line or more each)."""
    blank = 0
    for line in _lines(report):
        # Blank lines are held until text follows them: the report ends in exactly one newline.
        if not line:
            blank += 1
            continue
        yield "\n" * blank + line + "\n"
        blank = 0


def render_markdown(report: ReportData) -> str:
    """The whole report as GitHub-flavoured Markdown text, in the report's language."""
    return "".join(markdown_chunks(report))
