"""Stored text on the terminal: the display-safety function of the reports, plus rich markup escaped."""

from __future__ import annotations

from rich.markup import escape

from tracker.projections.safety import safe_text

__all__ = ["shown"]


def shown(value: object) -> str:
    """Stored text made safe to print: no bidi or control characters (no ANSI escapes), rich markup inert."""
    # rich reads "[bold]" or "[link=...]" in printed strings as markup; stored text must not style or link.
    return escape(safe_text("" if value is None else str(value)))
