"""The commitments tracker's front door: `from tracker import open_tracker, Settings, Tracker`.

Everything a user needs is named here: opening a tracker, its settings and clock, the result
types every read returns, and the errors every call may raise. Names are imported on first use
(module `__getattr__`), so `import tracker` stays cheap: the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.app import ImportReport, RecordResult, Tracker
    from tracker.bootstrap import open_tracker
    from tracker.errors import (
        AlreadyExists,
        ChainBroken,
        ConcurrencyConflict,
        ConfigurationError,
        ImportFailed,
        InvalidInput,
        KeyConflict,
        LoginFailed,
        LoginThrottled,
        NotAParty,
        NotFound,
        OutputRefused,
        RuleViolation,
        SourceFileRefused,
        StoreBusy,
        StoreUnavailable,
        TrackerError,
        UnknownEntity,
        UnknownEvent,
        UnknownSourceFile,
    )
    from tracker.projections.clock import Clock, FixedClock, SystemClock
    from tracker.projections.model import (
        Attendance,
        BodyStatus,
        ChairTerm,
        CommitmentStatus,
        DevelopmentSummary,
        DocumentStatus,
        EntityStatus,
        MeetingStatus,
        Message,
        OrganizationStatus,
        PartyDocumentStatus,
        PresidencyStatus,
        ProposalStatus,
        ReadModel,
        ReviewItem,
        StatusChange,
    )
    from tracker.reminders.channels import DeliveryError
    from tracker.reminders.config import ReminderConfigError
    from tracker.settings import Settings

_HOMES: dict[str, tuple[str, ...]] = {
    "tracker.bootstrap": ("open_tracker",),
    "tracker.settings": ("Settings",),
    "tracker.app": ("ImportReport", "RecordResult", "Tracker"),
    "tracker.projections.clock": ("Clock", "FixedClock", "SystemClock"),
    "tracker.projections.model": (
        "Attendance", "BodyStatus", "ChairTerm", "CommitmentStatus", "DevelopmentSummary", "DocumentStatus",
        "EntityStatus", "MeetingStatus", "Message", "OrganizationStatus", "PartyDocumentStatus", "PresidencyStatus",
        "ProposalStatus", "ReadModel", "ReviewItem", "StatusChange",
    ),
    "tracker.errors": (
        "AlreadyExists", "ChainBroken", "ConcurrencyConflict", "ConfigurationError", "ImportFailed", "InvalidInput",
        "KeyConflict", "LoginFailed", "LoginThrottled", "NotAParty", "NotFound", "OutputRefused", "RuleViolation",
        "SourceFileRefused", "StoreBusy", "StoreUnavailable", "TrackerError", "UnknownEntity", "UnknownEvent",
        "UnknownSourceFile",
    ),
    "tracker.reminders.channels": ("DeliveryError",),
    "tracker.reminders.config": ("ReminderConfigError",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "AlreadyExists",
    "Attendance",
    "BodyStatus",
    "ChainBroken",
    "ChairTerm",
    "Clock",
    "CommitmentStatus",
    "ConcurrencyConflict",
    "ConfigurationError",
    "DeliveryError",
    "DevelopmentSummary",
    "DocumentStatus",
    "EntityStatus",
    "FixedClock",
    "ImportFailed",
    "ImportReport",
    "InvalidInput",
    "KeyConflict",
    "LoginFailed",
    "LoginThrottled",
    "MeetingStatus",
    "Message",
    "NotAParty",
    "NotFound",
    "OrganizationStatus",
    "OutputRefused",
    "PartyDocumentStatus",
    "PresidencyStatus",
    "ProposalStatus",
    "ReadModel",
    "RecordResult",
    "ReminderConfigError",
    "ReviewItem",
    "RuleViolation",
    "Settings",
    "SourceFileRefused",
    "StatusChange",
    "StoreBusy",
    "StoreUnavailable",
    "SystemClock",
    "Tracker",
    "TrackerError",
    "UnknownEntity",
    "UnknownEvent",
    "UnknownSourceFile",
    "open_tracker",
]


def __getattr__(name: str) -> Any:
    """Import a front-door name from its home module on first use."""
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
