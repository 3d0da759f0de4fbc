"""An organization's fold: its membership timeline."""

from __future__ import annotations

from typing_extensions import override

from tracker.events import (
    MembershipChanged,
    OrganizationRegistered,
    OrganizationRenamed,
    Recorded,
)
from tracker.events.vocabulary import FormerName
from tracker.projections.folds.base import EntityFold, Fields
from tracker.projections.model import (
    MembershipEntry,
)

__all__ = ["OrganizationFold"]


class OrganizationFold(EntityFold):
    """Folds a organization's effective events in world order."""

    creator = OrganizationRegistered

    def __init__(self) -> None:
        super().__init__()
        self.memberships: list[MembershipEntry] = []
        self.standing: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.abbreviations: dict[str, str] = {}
        self.former: list[FormerName] = []

    @override
    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            assert isinstance(event, OrganizationRegistered)
            self.created = record
            self.names, self.abbreviations = dict(event.names), dict(event.abbreviations)
            self.former = list(event.former_names)
        elif isinstance(event, OrganizationRenamed):
            # The names in use until the day before: they become former names then.
            until = event.occurred_on
            self.former += [FormerName(name=n, language=lang, until=until) for lang, n in self.names.items()]
            self.names = dict(event.names)
            self.abbreviations = dict(event.abbreviations) or self.abbreviations
        elif isinstance(event, MembershipChanged):
            self.memberships.append(MembershipEntry(event.state, event.status, event.occurred_on, record.ref))
            self.standing[event.state] = event.status

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        return {f"membership[{s}]": status for s, status in sorted(self.standing.items())}

