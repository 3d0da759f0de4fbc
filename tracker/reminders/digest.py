"""The weekly digest's content: the status report's "changes since" the last digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tracker.projections.model import DevelopmentSummary, ReadModel, StatusChange
from tracker.projections.reminders import DigestContent, RecipientGroup, build_digest_content
from tracker.projections.reports import build_report, render

__all__ = ["DigestRenderer", "digest_from_developments", "digest_from_report", "render_digest"]

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


def digest_from_report(
    read_model: ReadModel, group: RecipientGroup | None, since: datetime, now: datetime,
) -> DigestContent:
    """The weekly digest: the status report of the group's scope with its "changes since" the last digest."""
    scopes = _scopes(group)
    # A report covers one organization, one body, or everything: a group naming exactly one
    # gets that scope; a group spanning several gets everything (its recipients follow them all).
    organization_id, body_id = scopes[0] if len(scopes) == 1 else (None, None)
    report = build_report(read_model, organization_id=organization_id, body_id=body_id, since=since,
                          generated_at=now, title=f"Weekly digest ({group.name if group else 'all'})")
    changes = len(read_model.developments(organization_id=organization_id, body_id=body_id, recorded_after=since))
    return DigestContent(
        subject=f"Tracker weekly digest: {changes} new development(s) since {since:%Y-%m-%d}",
        markdown=str(render(report, "md")),
        html=str(render(report, "html")),
    )


# The scan looks the renderer up on every run, so a deployment (or a test) can swap it.
render_digest: DigestRenderer = digest_from_report
