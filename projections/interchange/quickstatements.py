"""Wikidata QuickStatements (V1 commands): memberships, signatures and ratifications, each referenced.

Statements (tab-separated, one command a line):

- membership: ``<state> P463 <organization>`` with P580 start time and P582 end time;
- signature: ``<document> P1891 <state>`` with P585 point in time;
- consent to be bound: ``<document> P6193 <state>`` with P585 point in time. P6193 ("ratified
  by") lumps ratification, acceptance, approval, accession and succession together, so the
  action is kept in the command's edit summary (``/* accession */``), which QuickStatements
  stores with the edit;

each with a reference: P854 reference URL (or S1476 title when the source has no URL) and
P813 retrieved. Times are written at their precision (11 day, 10 month, 9 year); an
approximate or uncertain date adds P1480 sourcing circumstances (circa / presumably).
Entities without a Wikidata id are listed in `missing`, never guessed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from tracker.events import PartialDate, party_entity
from tracker.events.base import Source
from tracker.projections.interchange.source import Snapshot
from tracker.projections.model import DevelopmentSummary, DocumentStatus, OrganizationStatus

__all__ = [
    "CIRCA",
    "PRESUMABLY",
    "Missing",
    "QuickStatementsExport",
    "build_quickstatements",
    "qs_string",
    "qs_time",
    "shipped_state_ids",
]

CIRCA = "Q5727902"
"""Wikidata's "circa", the P1480 value for an approximate date."""
PRESUMABLY = "Q18122778"
"""Wikidata's "presumably", the P1480 value for an uncertain date."""

_PRECISION = {"day": 11, "month": 10, "year": 9}
_CONSENTS = ("ratification", "acceptance", "approval", "accession", "succession")


@dataclass(frozen=True)
class Missing:
    """An entity the export needed a Wikidata id for and had none: what it left out."""

    entity: str  # "state:TUR", "organization:ots", "document:x"
    left_out: str  # e.g. "3 membership statements"


@dataclass(frozen=True)
class QuickStatementsExport:
    """The commands, and what could not be written for want of a Wikidata id."""

    commands: tuple[str, ...]
    missing: tuple[Missing, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """The commands as a QuickStatements V1 batch (one per line)."""
        return "".join(line + "\n" for line in self.commands)


def shipped_state_ids() -> dict[str, str]:
    """ISO alpha-3 -> Wikidata item, from the shipped config/wikidata/states.toml."""
    text = resources.files("tracker.config").joinpath("wikidata/states.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text)["states"])


def qs_time(value: PartialDate) -> str:
    """A partial date as a QuickStatements time at its precision, e.g. '+2024-07-00T00:00:00Z/10'."""
    day = value.earliest
    month = f"{day.month:02d}" if value.precision in ("day", "month") else "00"
    dom = f"{day.day:02d}" if value.precision == "day" else "00"
    return f"+{day.year:04d}-{month}-{dom}T00:00:00Z/{_PRECISION[value.precision]}"


def _day_time(day: date) -> str:
    return f"+{day.year:04d}-{day.month:02d}-{day.day:02d}T00:00:00Z/11"


def qs_string(text: str) -> str:
    """A QuickStatements string value: double-quoted, on one line, without tabs or double quotes inside."""
    # V1 has no escape for '"' inside a string; typographic quotes keep the meaning.
    cleaned = " ".join(text.replace('"', "\u201d").replace("\t", " ").split())
    return f'"{cleaned}"'


def _circumstances(dates: Iterable[PartialDate | None]) -> list[str]:
    known = [d for d in dates if d is not None]
    out: list[str] = []
    if any(d.approximate for d in known):
        out += ["P1480", CIRCA]
    if any(d.uncertain for d in known):
        out += ["P1480", PRESUMABLY]
    return out


def _references(developments: Iterable[DevelopmentSummary]) -> list[list[str]]:
    """One reference (S-pairs) per cited source: URL or title, and when it was retrieved."""
    refs: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for dev in developments:
        for source in dev.sources:
            ref = _reference(source, dev)
            if tuple(ref) not in seen:
                seen.add(tuple(ref))
                refs.append(ref)
    return refs


def _reference(source: Source, dev: DevelopmentSummary) -> list[str]:
    # P813 "retrieved": the source's own retrieval day when the tracker holds one, else the
    # day the development citing it was recorded (when an analyst read it).
    day = source.retrieved_on or dev.recorded_at.date()
    if source.url:
        head = ["S854", qs_string(source.url)]
    else:
        language = (source.language or "und").split("-")[0]
        head = ["S1476", f"{language}:{qs_string(source.title or source.publisher)}"]
    return [*head, "S813", _day_time(day)]


def _lines(subject: str, prop: str, value: str, qualifiers: list[str], refs: list[list[str]], *,
           comment: str | None = None) -> list[str]:
    tail = f"\t/* {comment} */" if comment else ""
    base = [subject, prop, value, *qualifiers]
    if not refs:
        return ["\t".join(base) + tail]
    # QuickStatements merges a repeated statement and adds each line's reference to it.
    return ["\t".join([*base, *ref]) + tail for ref in refs]


class _Ids:
    def __init__(self, snap: Snapshot, state_ids: Mapping[str, str], entity_ids: Mapping[str, str]) -> None:
        self.items: dict[str, str] = {f"state:{code}": qid for code, qid in state_ids.items()}
        for org in snap.organizations:
            if "wikidata" in org.identifiers:
                self.items[f"organization:{org.organization_id}"] = org.identifiers["wikidata"]
        self.items.update(entity_ids)
        self.wanted: dict[str, int] = {}
        self.kinds: dict[str, set[str]] = {}

    def get(self, entity: str, statement: str) -> str | None:
        qid = self.items.get(entity)
        if qid is None:
            self.wanted[entity] = self.wanted.get(entity, 0) + 1
            self.kinds.setdefault(entity, set()).add(statement)
        return qid

    def missing(self) -> tuple[Missing, ...]:
        return tuple(
            Missing(entity, f"{count} {' and '.join(sorted(self.kinds[entity]))} statement(s)")
            for entity, count in sorted(self.wanted.items())
        )


def build_quickstatements(
    snap: Snapshot, *, state_ids: Mapping[str, str] | None = None, entity_ids: Mapping[str, str] | None = None,
) -> QuickStatementsExport:
    """Membership, signature and ratification statements of the snapshot, as QuickStatements V1 commands.

    Ids: organizations from their recorded `identifiers["wikidata"]`, states from `state_ids`
    (default: the shipped table), anything else (documents first of all) from `entity_ids`
    keyed "document:ID", "organization:ID" or "state:CODE", which also override the others.
    """
    ids = _Ids(snap, shipped_state_ids() if state_ids is None else state_ids, entity_ids or {})
    commands: list[str] = []
    for org in snap.organizations:
        commands += _membership_commands(snap, org, ids)
    for doc in snap.documents:
        commands += _document_commands(snap, doc, ids)
    notes: list[str] = []
    if any(not d.sources for devs in snap.timelines.values() for d in devs):
        notes.append("Developments recorded unsourced give statements without a reference.")
    return QuickStatementsExport(commands=tuple(commands), missing=ids.missing(), notes=tuple(notes))


_Term = tuple[str, PartialDate, PartialDate | None, list[str]]  # state, start, end, the refs behind it


def _membership_terms(org: OrganizationStatus) -> list[_Term]:
    """Each state's terms of full membership, from the membership timeline (world order)."""
    open_terms: dict[str, tuple[PartialDate, str]] = {}
    terms: list[_Term] = []
    for entry in org.memberships:
        if entry.status == "member" and entry.state not in open_terms:
            open_terms[entry.state] = (entry.on, entry.ref)
        elif entry.status != "member" and entry.state in open_terms:
            start, ref = open_terms.pop(entry.state)
            terms.append((entry.state, start, entry.on, [ref, entry.ref]))
    terms += [(state, start, None, [ref]) for state, (start, ref) in open_terms.items()]
    return sorted(terms, key=lambda t: (t[0], t[1].sort_key()))


def _membership_commands(snap: Snapshot, org: OrganizationStatus, ids: _Ids) -> list[str]:
    """`<state> P463 <organization>` with start and end, one per term of membership."""
    by_ref = {d.ref: d for d in snap.developments(f"organization:{org.organization_id}")}
    commands: list[str] = []
    for state, start, end, refs in _membership_terms(org):
        org_qid = ids.get(f"organization:{org.organization_id}", "membership")
        state_qid = ids.get(party_entity(state), "membership")
        if org_qid is None or state_qid is None:
            continue
        qualifiers = ["P580", qs_time(start)] + (["P582", qs_time(end)] if end is not None else [])
        qualifiers += _circumstances([start, end])
        commands += _lines(state_qid, "P463", org_qid, qualifiers, _references(by_ref[r] for r in refs if r in by_ref))
    return commands


def _document_commands(snap: Snapshot, doc: DocumentStatus, ids: _Ids) -> list[str]:
    """Each party's signature (P1891) and consent to be bound (P6193)."""
    developments = snap.developments(f"document:{doc.document_id}")
    commands: list[str] = []
    for party in doc.parties:
        # The events behind a party's action: those of its type on its date (the read
        # model keeps the date of each action, not the event it came from).
        if party.signed_on is not None:
            signed = [d for d in developments
                      if d.type == "DocumentSigned" and d.occurred_on.text == party.signed_on.text]
            commands += _party_commands(ids, doc, party.state, "signature",
                                        claim=("P1891", party.signed_on), behind=signed)
        if party.consent in _CONSENTS and party.consent_on is not None:
            acted = [d for d in developments
                     if d.type == "PartyActionTaken" and d.occurred_on.text == party.consent_on.text]
            commands += _party_commands(ids, doc, party.state, "ratification", claim=("P6193", party.consent_on),
                                        behind=acted, comment=f"{party.consent} by {party.state}")
    return commands


def _party_commands(
    ids: _Ids, doc: DocumentStatus, state: str, statement: str, *, claim: tuple[str, PartialDate],
    behind: list[DevelopmentSummary], comment: str | None = None,
) -> list[str]:
    """One party's statement on a document at a point in time, referenced by the events behind it."""
    doc_qid = ids.get(f"document:{doc.document_id}", statement)
    state_qid = ids.get(party_entity(state), statement)
    if doc_qid is None or state_qid is None:
        return []
    prop, on = claim
    return _lines(doc_qid, prop, state_qid, ["P585", qs_time(on), *_circumstances([on])], _references(behind),
                  comment=comment)
