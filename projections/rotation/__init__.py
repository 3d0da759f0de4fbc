"""The presidency rotation engine: rules, names and evidence in; terms, expectations and anomalies out.

Modules by idea: `records` (what it reads, as protocols over the events' value types, and
what it answers), `names` (the organizations' own names and their collation), `terms`
(the calendar of annual and monthly terms), `context` (inputs in world order), `cycle`
(alphabetical turns and overrides), `schedule` (fixed schedules), `engine` (the sweep
over the evidence and the projection of upcoming terms). Pure: no I/O but package data.
"""

from tracker.projections.rotation.engine import DEFAULT_HORIZON, chair_on, compute_presidency
from tracker.projections.rotation.names import (
    NamesTable,
    OrderNames,
    ReferenceDataError,
    alphabetical_order,
    collation_key,
    iso_name,
    load_names,
    order_names,
    reference_names,
)
from tracker.projections.rotation.records import (
    ChainConflict,
    ChairRecord,
    Deviation,
    ExpectedTerm,
    Gap,
    MeetingRecord,
    OverrideRecord,
    Presidency,
    Problem,
    RecordedTerm,
    RuleRecord,
    StandingRecord,
)

__all__ = [
    "DEFAULT_HORIZON",
    "ChainConflict",
    "ChairRecord",
    "Deviation",
    "ExpectedTerm",
    "Gap",
    "MeetingRecord",
    "NamesTable",
    "OrderNames",
    "OverrideRecord",
    "Presidency",
    "Problem",
    "RecordedTerm",
    "ReferenceDataError",
    "RuleRecord",
    "StandingRecord",
    "alphabetical_order",
    "chair_on",
    "collation_key",
    "compute_presidency",
    "iso_name",
    "load_names",
    "order_names",
    "reference_names",
]
