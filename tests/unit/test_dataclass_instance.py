"""`dataclass_instance`, the one way results are made without their generated __init__, makes what __init__ makes."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from tracker.projections.decoding import dataclass_instance
from tracker.projections.model import CommitmentStatus, DevelopmentSummary
from tracker.projections.reminders import Reminder
from tracker.projections.reports.data import CommitmentRow, LastDevelopment, SourceEntry


@pytest.mark.parametrize("cls", [CommitmentStatus, DevelopmentSummary, Reminder, CommitmentRow, LastDevelopment,
                                 SourceEntry])
def test_equal_and_hashing_equal_to_the_generated_init(cls: Any) -> None:
    values: dict[str, Any] = {f.name: f"{f.name}-value" for f in dataclasses.fields(cls)}
    values[dataclasses.fields(cls)[0].name] = date(2024, 7, 25)
    made_by_init = cls(**values)
    made = dataclass_instance(cls, dict(values))
    assert made == made_by_init and hash(made) == hash(made_by_init)
    assert dataclasses.asdict(made) == dataclasses.asdict(made_by_init)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, None)
