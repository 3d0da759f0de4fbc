"""What the read model refuses: its own error, as `events` has InvalidEvent, since projections cannot import tracker.

A read model raises what its owner gives it (`Queries(refuse=...)`): the tracker gives its
`InvalidInput`, so a user of the tracker meets only the tracker's errors; used on its own, the
read model raises `QueryRefused`, which `tracker.errors.as_tracker_error` turns into `InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.events.base import Problem, describe_problems

__all__ = ["QueryRefused", "Refusal"]


class QueryRefused(ValueError):
    """A question the read model cannot answer as asked; `problems` lists (field, value, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(describe_problems(problems))


Refusal = Callable[[list[Problem]], Exception]
"""What a read model raises for a question it cannot answer: the error built from its (field, value, message)."""
