"""The read models: tables (`schema`), row derivation (`rows`) and batched writes (`batch`)."""

from __future__ import annotations

from tracker.projections.views.batch import RowBatch, organization_of_body
from tracker.projections.views.rows import END_OF_TIME, derive_entity
from tracker.projections.views.schema import (
    COMMITMENT,
    DEVELOPMENT,
    DOCUMENT,
    KIND_ORDER,
    MEETING,
    PROPOSAL,
    CommitmentViewRow,
    DevelopmentViewRow,
    DocumentViewRow,
    EntityIndexRow,
    MeetingViewRow,
    ProposalViewRow,
    ReviewItemViewRow,
    TrackingRow,
    ViewBase,
)

__all__ = [
    "COMMITMENT", "DEVELOPMENT", "DOCUMENT", "END_OF_TIME", "KIND_ORDER", "MEETING", "PROPOSAL",
    "CommitmentViewRow", "DevelopmentViewRow", "DocumentViewRow", "EntityIndexRow", "MeetingViewRow",
    "ProposalViewRow", "ReviewItemViewRow", "RowBatch", "TrackingRow", "ViewBase", "derive_entity",
    "organization_of_body",
]
