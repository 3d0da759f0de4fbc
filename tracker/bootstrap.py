"""The one place that wires settings, the event log, the views and their engine together."""

from __future__ import annotations

from projections.clock import Clock
from tracker.app import Tracker
from tracker.errors import ConfigurationError
from tracker.settings import Settings

__all__ = ["open_tracker"]


def open_tracker(settings: Settings | None = None, *, clock: Clock | None = None) -> Tracker:
    """Open the tracker on the configured database, creating its tables if needed.

    `clock` decides "today" and "now" for every answer (tests and reproducible reports freeze it).
    """
    settings = settings or Settings()
    try:
        return Tracker(settings, clock=clock)
    except ConfigurationError:
        raise
    except Exception as exc:  # the driver's own errors say little to a user: name the database
        raise ConfigurationError(f"database_url: cannot open {settings.describe()}: {exc}") from exc
