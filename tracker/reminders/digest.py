"""The weekly digest's content: the hook where projections.reports' renderer plugs in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from projections.model import DevelopmentSummary, ReadModel, StatusChange
from projections.reminders import DigestContent, RecipientGroup, build_digest_content

__all__ = ["DigestRenderer", "digest_from_developments", "render_digest"]

DigestRenderer = Callable[[ReadModel, RecipientGroup | None, datetime, datetime], DigestContent]
"""(read_model, recipient group or None for everything, since, now) -> the digest's content."""


def _scopes(group: RecipientGroup | None) -> list[tuple[str | None, str | None]]:
    if group is None or (not group.organizations and not group.bodies):
        return [(None, None)]
    return [(org, None) for org in group.organizations] + [(None, body) for body in group.bodies]


def digest_from_developments(
    read_model: ReadModel, group: RecipientGroup | None, since: datetime, now: datetime,
) -> DigestContent:
    """The stand-in digest: developments and status changes recorded after `since`, in the group's scope."""
    developments: dict[str, DevelopmentSummary] = {}
    changes: dict[tuple[str, str, str], StatusChange] = {}
    for org, body in _scopes(group):
        for d in read_model.developments(organization_id=org, body_id=body, recorded_after=since):
            developments.setdefault(d.ref, d)
        for c in read_model.status_changes(organization_id=org, body_id=body, recorded_after=since):
            changes.setdefault((c.ref, c.entity, c.field), c)
    return build_digest_content(
        sorted(developments.values(), key=lambda d: (d.occurred_on.sort_key(), d.recorded_at)),
        sorted(changes.values(), key=lambda c: (c.occurred_on.sort_key(), c.recorded_at)),
        since=since,
        now=now,
        scope=group.name if group is not None else "all",
    )


# REPORT RENDERER HOOK: when projections.reports lands, point this at a function of the same
# signature that calls build_report(read_model, ..., since=since) and returns its Markdown and
# HTML renderings as a DigestContent. The scan looks the hook up on every run, so assigning
# `tracker.reminders.digest.render_digest = ...` at start-up is enough.
render_digest: DigestRenderer = digest_from_developments
