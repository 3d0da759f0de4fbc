"""The one clock: what "now" and "today" are, injected at the edge so tests can freeze them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Tells the time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...

    def today(self) -> date:
        """The current world date (UTC)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in UTC."""
        return self.now().date()


@dataclass
class FixedClock:
    """A clock that says what it is told (tests, reproducible reports); `advance` moves it."""

    at: datetime

    def now(self) -> datetime:
        """The instant it was set to."""
        return self.at

    def today(self) -> date:
        """The date it was set to (UTC)."""
        return self.at.astimezone(UTC).date()

    def advance(self, by: timedelta) -> None:
        """Move the clock on (or back, with a negative delta)."""
        self.at += by


SYSTEM_CLOCK: Clock = SystemClock()
"""The default clock wherever none is injected."""
