"""An organization's fold: its membership timeline."""

from __future__ import annotations

from typing_extensions import override

from events import (
    MembershipChanged,
    OrganizationRegistered,
    Recorded,
)
from projections.folds.base import EntityFold, Fields
from projections.model import (
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

    @override
    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            self.created = record
        elif isinstance(event, MembershipChanged):
            self.memberships.append(MembershipEntry(event.state, event.status, event.occurred_on, record.ref))
            self.standing[event.state] = event.status

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        return {f"membership[{s}]": status for s, status in sorted(self.standing.items())}

