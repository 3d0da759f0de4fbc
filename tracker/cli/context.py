"""What every CLI command shares: settings, and a Tracker opened on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tracker.app import Tracker
    from tracker.log_reader import SQLiteLogReader
    from tracker.projections.answers import EventAnswers
    from tracker.projections.model import ReadModel
    from tracker.settings import Settings

__all__ = ["CliContext"]


class CliContext:
    """Lazily opens the tracker, so `tracker --help` touches no database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tracker: Tracker | None = None
        self._reader: SQLiteLogReader | None = None

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

    def answers(self) -> tuple[Callable[[str], str], EventAnswers]:
        """What answers one entity's status, presidency or timeline, and how its id is resolved.

        On an SQLite file: its events, read through the standard library alone (`SQLiteLogReader`),
        so `tracker status ID` starts without the SQL toolkit and the event-sourcing library
        (0.2-0.25 s of CPU to import, measured here). The answer is the events path of the read
        model, the one the views are held equal to. Elsewhere (PostgreSQL, or an SQLite store made
        by an older tracker, which opening brings up to date): the tracker's own read model.
        """
        from tracker.bootstrap import check_database, sqlite_path

        path = sqlite_path(self.settings)
        if self._tracker is None and path is not None:
            from tracker.log_reader import SQLiteLogReader, resolve
            from tracker.projections.answers import EventAnswers
            from tracker.projections.clock import SYSTEM_CLOCK

            click.echo(f"Database: {self.settings.describe()}", err=True)
            check_database(self.settings, create=False)  # a missing file: the message naming it
            reader = self._reader or SQLiteLogReader(path, self.settings.describe())
            self._reader = reader
            if reader.has_record_times():
                from tracker.errors import InvalidInput

                answers = EventAnswers(reader, stale_days=self.settings.stale_days, clock=SYSTEM_CLOCK,
                                       refuse=InvalidInput)
                return (lambda entity: resolve(entity, reader.exists)), answers
            reader.close()
            self._reader = None
        tracker = self.tracker()
        return tracker.resolve, tracker.read_model()

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
        if self._reader is not None:
            self._reader.close()
            self._reader = None
