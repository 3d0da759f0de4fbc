"""What every CLI command shares: settings, and a Tracker opened on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tracker.app import Tracker
    from tracker.projections.model import ReadModel
    from tracker.settings import Settings

__all__ = ["CliContext"]


class CliContext:
    """Lazily opens the tracker, so `tracker --help` touches no database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tracker: Tracker | None = None

    def tracker(self, *, create: bool = False) -> Tracker:
        """The Tracker on the configured database, opened once and named on stderr.

        Only commands that record (`create=True`) may create a missing SQLite file; the others
        fail naming the path, rather than answering from an empty store made in the wrong folder.
        """
        if self._tracker is None:
            from tracker.bootstrap import open_tracker

            click.echo(f"Database: {self.settings.describe()}", err=True)
            self._tracker = open_tracker(self.settings, create=create)
        return self._tracker

    def read_model(self) -> ReadModel:
        """The views, caught up with the log (read-your-writes)."""
        return self.tracker().read_model()

    def engine(self) -> Engine:
        """The SQLAlchemy engine on the tracker's database."""
        return self.tracker().engine

    def close(self, *_: Any) -> None:
        """Release connections."""
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None
