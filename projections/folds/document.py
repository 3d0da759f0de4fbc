"""A document's fold: each party's standing, as the UN Treaty Collection reduces it, and entry into force."""

from __future__ import annotations

from dataclasses import dataclass, field

from typing_extensions import override

from tracker.events import (
    DocumentDrafted,
    DocumentEnteredIntoForce,
    DocumentSigned,
    PartialDate,
    PartyActionTaken,
    Recorded,
)
from tracker.projections.folds.base import EntityFold, Fields, partial_text
from tracker.projections.model import (
    Message,
    PartyDocumentStatus,
    params,
)
from tracker.projections.summaries import join_states

__all__ = ["DocumentFold", "PartyStanding"]

_CONSENT_STATUS = {
    "ratification": "ratified",
    "acceptance": "accepted",
    "approval": "approved",
    "accession": "acceded",
    "succession": "succeeded",
}


@dataclass
class PartyStanding:
    """One state's standing toward the document while folding."""

    state: str
    signed_on: PartialDate | None = None
    signed_by: str | None = None
    consent: str | None = None
    consent_on: PartialDate | None = None
    denounced_on: PartialDate | None = None
    reservations: list[str] = field(default_factory=list)
    actions: list[tuple[str, PartialDate]] = field(default_factory=list)

    def status(self) -> str | None:
        """The consent kind as a status ('ratified', ...), else 'signed', else None."""
        if self.consent is not None:
            return _CONSENT_STATUS[self.consent]
        return "signed" if self.signed_on is not None else None

    def freeze(self) -> PartyDocumentStatus:
        """The standing as a frozen result."""
        return PartyDocumentStatus(
            state=self.state, signed_on=self.signed_on, signed_by=self.signed_by, consent=self.consent,
            consent_on=self.consent_on, status=self.status(), denounced_on=self.denounced_on,
            reservations=tuple(self.reservations), actions=tuple(self.actions),
        )


class DocumentFold(EntityFold):
    """Folds a document's effective events in world order."""

    creator = DocumentDrafted

    def __init__(self) -> None:
        super().__init__()
        self.parties: dict[str, PartyStanding] = {}
        self.in_force_on: PartialDate | None = None
        self.in_force_for: set[str] = set()
        self.general_force = False

    def _party(self, state: str) -> PartyStanding:
        party = self.parties.get(state)
        if party is None:
            party = self.parties[state] = PartyStanding(state)
        return party

    @override
    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            self.created = record
            return
        match event:
            case DocumentSigned():
                self._signed(record, event)
            case PartyActionTaken():
                self._action(record, event)
            case DocumentEnteredIntoForce():
                if self.in_force_on is None:
                    self.in_force_on = event.occurred_on
                if event.for_states:
                    self.in_force_for.update(event.for_states)
                else:
                    self.general_force = True

    def _signed(self, record: Recorded, event: DocumentSigned) -> None:
        on = event.occurred_on
        for signatory in event.signatories:
            party = self._party(signatory.state)
            if party.signed_on is not None:
                self._review("duplicate_action", record, Message(
                    "signed_again", params(state=signatory.state, ref=record.ref, first_on=party.signed_on),
                    f"{signatory.state} signs again in {record.ref} (first on {party.signed_on})",
                ))
            party.signed_on = on
            party.signed_by = ", ".join(x for x in (signatory.person, signatory.office) if x) or None
            party.actions.append(("signature", on))

    def _action(self, record: Recorded, event: PartyActionTaken) -> None:
        on = event.occurred_on
        party = self._party(event.state)
        party.actions.append((event.action, on))
        if event.action in _CONSENT_STATUS:
            if party.consent is not None:
                self._review("duplicate_action", record, Message(
                    "consented_again",
                    params(state=event.state, ref=record.ref, action=party.consent, action_on=party.consent_on),
                    f"{event.state} consents again in {record.ref} (already {party.consent} on {party.consent_on})",
                ))
            party.consent, party.consent_on = event.action, on
        elif event.action == "denunciation":
            party.denounced_on = on
        elif event.text:
            party.reservations.append(event.text)

    def force_for(self) -> tuple[str, ...]:
        """States it is in force for; empty when it entered into force for all its parties."""
        return () if self.general_force else tuple(sorted(self.in_force_for))

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        out: Fields = {
            "in_force": "yes" if self.in_force_on is not None else "no",
            "in_force_for": join_states(self.force_for()) or None,
        }
        for state in sorted(self.parties):
            party = self.parties[state]
            out[f"party[{state}]"] = party.status()
            out[f"denounced[{state}]"] = partial_text(party.denounced_on)
        return out

