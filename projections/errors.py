"""What the read model refuses: its own error, as `events` has InvalidEvent, since projections cannot import tracker.

`tracker.errors.as_tracker_error` turns it into the tracker's `InvalidInput` at the boundary.
"""

from __future__ import annotations

from events.base import Problem, describe_problems

__all__ = ["QueryRefused"]


class QueryRefused(ValueError):
    """A question the read model cannot answer as asked; `problems` lists (field, value, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(describe_problems(problems))
