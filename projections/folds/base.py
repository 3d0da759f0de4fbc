"""What every fold of one entity shares: creation, count, last development, review items."""

from __future__ import annotations

from abc import ABC, abstractmethod

from tracker.events import (
    Development,
    PartialDate,
    Recorded,
)
from tracker.projections.model import (
    Message,
    ReviewItem,
    params,
)

__all__ = ["EntityFold", "Fields", "partial_text"]

Fields = dict[str, str | None]


def partial_text(value: PartialDate | None) -> str | None:
    """A partial date's text, or None."""
    return None if value is None else value.text


class EntityFold(ABC):
    """A fold of one entity's effective events in world order; shares creation, count, review items."""

    creator: type[Development] = Development

    def __init__(self) -> None:
        self.created: Recorded | None = None
        self.last: Recorded | None = None
        self.count = 0
        self.problems: list[ReviewItem] = []
        self.early: list[Recorded] = []  # sorted before the creation in world order

    @abstractmethod
    def apply(self, record: Recorded) -> None:
        """Take one more effective event (in world order) into account."""

    @abstractmethod
    def fields(self) -> Fields:
        """The comparable status fields so far (empty before creation)."""

    def _review(self, kind: str, record: Recorded, line: Message, *refs: str) -> None:
        self.problems.append(ReviewItem.coded(kind, record.stream, line, (*refs, record.ref)))

    def _check_early(self, creation: Recorded) -> None:
        # Sorting before the creation is harmless when the partial dates overlap (signed
        # "2019-01-01", drafted "2019"); only an event surely dated earlier is a conflict.
        start = creation.event.occurred_on
        for record in self.early:
            on = record.event.occurred_on
            if on.latest < start.earliest:
                self.problems.append(ReviewItem.coded("date_conflict", record.stream, Message(
                    "dated_before_creation",
                    params(ref=record.ref, type=record.event.type_name(), on=on, creation=creation.ref, start_on=start),
                    f"{record.ref} ({record.event.type_name()}, {on}) is dated before "
                    f"{creation.ref} created the entity ({start})",
                ), (record.ref, creation.ref)))
        self.early.clear()

    def _take(self, record: Recorded) -> bool:
        """Count the event; True when it is the (first) creation event."""
        self.count += 1
        self.last = record
        if isinstance(record.event, self.creator):
            if self.created is None:
                self._check_early(record)
                return True
            self._review("duplicate_creation", record, Message(
                "created_again", params(ref=record.ref, first=self.created.ref),
                f"{record.ref} creates the entity again after {self.created.ref}; ignored",
            ), self.created.ref)
            return False
        if self.created is None:
            self.early.append(record)
        return False

