"""Stored text on the terminal: the display-safety function of the reports, plus rich markup escaped."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from tracker.projections.safety import safe_text

__all__ = ["shown", "terminal"]


def shown(value: object) -> str:
    """Stored text made safe to print: no bidi or control characters (no ANSI escapes), rich markup inert."""
    # rich reads "[bold]" or "[link=...]" in printed strings as markup; stored text must not style or link.
    return escape(safe_text("" if value is None else str(value)))


def terminal(*, stderr: bool = False) -> Console:
    """The terminal every command prints to: our markup only, no emoji codes, no guessed highlighting."""
    # emoji=False: rich turned ":flag_kz:"-like codes inside stored text into emoji.
    # highlight=False: its repr highlighter colours numbers and quotes it guesses at, and compiling
    # its patterns was a tenth of `tracker status`'s time after imports (measured here).
    return Console(stderr=stderr, emoji=False, highlight=False)
