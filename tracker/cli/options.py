"""Option parsers the commands share: world dates, record times, and the two-times options."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

__all__ = ["as_date", "as_datetime", "time_options"]

_F = TypeVar("_F", bound=Callable[..., Any])


def as_date(_ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> date | None:
    """Parse a world date option (YYYY-MM-DD)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-07-25", param=param) from None


def as_datetime(_ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> datetime | None:
    """Parse a record-time option (ISO 8601; no offset means UTC)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time: use ISO 8601, e.g. 2024-07-26T09:00 or 2024-07-26T09:00+05:00",
            param=param,
        ) from None
    # Record times are stored in UTC; a time typed without an offset is read as UTC, not local
    # time, so the same command gives the same answer on every machine.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def time_options(func: _F) -> _F:
    """Add --as-of (world date) and --known-at (record time) to a command."""
    func = click.option("--known-at", callback=as_datetime, metavar="DATETIME",
                        help="Answer as known at this record time (default: now).")(func)
    return click.option("--as-of", callback=as_date, metavar="YYYY-MM-DD",
                        help="Answer as of this world date (default: today).")(func)
