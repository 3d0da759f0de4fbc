"""One resolution of retractions and corrections: an entity's stream as known at a record time.

The rules (tracker.domain) and every answer (reductions, timelines, views) read a stream through
`resolve`, so they can never disagree on what counts.

Order is the stream's version order, the order the store guarantees; record times only say
*when* something became known. A version is known at T once it or any later version of the
stream was recorded by T (a later version cannot have been written before an earlier one, so
if a clock stepped back the earlier version still counts as known), which makes what is known
at any time a prefix of the stream.

Decisions (callers and tests rely on them):
- An amendment (EventRetracted / EventCorrected) concerns an earlier version of its own
  stream; one naming itself, a later version or nothing recorded is a `dangling_reference`.
- A retraction wins over any correction of the same target; only retracting the retraction
  brings the target back. Corrections apply in version order, the last live one wins.
- A correction whose replacement does not validate, names another entity, or turns an event
  into an amendment (or back) is not applied; it becomes a review item instead.
- Amendments are not developments: `live()` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise

import orjson

from tracker.events import Development, EventCorrected, EventRetracted, InvalidEvent, Recorded, parse_replacement
from tracker.events.base import parse_event_ref
from tracker.projections.model import Message, ReviewItem, params

__all__ = ["AMENDMENTS", "Resolution", "counted", "effective_events", "known_prefix", "resolve", "world_key"]

AMENDMENTS = (EventRetracted, EventCorrected)


@dataclass(frozen=True)
class Resolution:
    """A stream as known at one time: every known version with its live content, and the marks."""

    known: tuple[Recorded, ...]  # version order; content after the live corrections
    retracted_by: dict[str, str]  # ref -> the live retraction's ref
    corrected_by: dict[str, str]  # ref -> the live correction applied last
    problems: tuple[ReviewItem, ...]

    def live(self) -> list[Recorded]:
        """Live developments (no amendments, nothing retracted), version order."""
        if not self.retracted_by:  # the common case: no reference to build per event
            return [r for r in self.known if not isinstance(r.event, AMENDMENTS)]
        return [r for r in self.known if r.ref not in self.retracted_by and not isinstance(r.event, AMENDMENTS)]

    def is_live(self, ref: str) -> bool:
        """True when `ref` is known and not retracted (amendments included)."""
        return ref not in self.retracted_by and any(r.ref == ref for r in self.known)


def world_key(record: Recorded) -> tuple[date, date, int]:
    """Sort key of one stream's world timeline: occurred earliest, latest, then version."""
    return (*record.event.occurred_on.sort_key(), record.version)


def known_prefix(records: Sequence[Recorded], known_at: datetime | None) -> Sequence[Recorded]:
    """The versions known at `known_at` (all of them for None): a prefix in version order."""
    if known_at is None:
        return records
    # Walking back, the running minimum of record times is when each version became known.
    horizon: datetime | None = None
    for i in range(len(records) - 1, -1, -1):
        at = records[i].recorded_at
        horizon = at if horizon is None or at < horizon else horizon
        if horizon <= known_at:
            return records[: i + 1]
    return ()


def resolve(records: Iterable[Recorded], known_at: datetime | None = None) -> Resolution:
    """Resolve the retractions and corrections of one stream (in version order) as known at `known_at`."""
    ordered = list(records)
    if any(a.version >= b.version for a, b in pairwise(ordered)):
        ordered.sort(key=lambda r: r.version)
    known = known_prefix(ordered, known_at)
    if not any(isinstance(r.event, AMENDMENTS) for r in known):
        # Most streams amend nothing: every version stands as recorded, with no marks. The walk
        # would reach the same answer; skipping it keeps a follower's batch from costing a
        # full pass per event of the stream's history (issue 11).
        return Resolution(tuple(known), {}, {}, ())
    return _Walk(known).run()


class _Walk:
    """One backward pass over the known versions.

    An amendment only concerns earlier versions, so walking backwards settles every amendment
    (is it itself retracted?) before its target is reached: one pass, no fixpoint.
    """

    def __init__(self, known: Sequence[Recorded]) -> None:
        self.known = known
        self.index = {r.version: i for i, r in enumerate(known)}
        self.incoming: dict[int, list[Recorded]] = {}  # target index -> live amendments, latest first
        self.retracted_by: dict[str, str] = {}
        self.corrected_by: dict[str, str] = {}
        self.problems: list[ReviewItem] = []

    def run(self) -> Resolution:
        contents: list[Development] = [r.event for r in self.known]
        for i in range(len(self.known) - 1, -1, -1):
            contents[i] = self._settle(i)
            record = self.known[i]
            if record.ref not in self.retracted_by and isinstance(contents[i], AMENDMENTS):
                self._aim(i, record, contents[i])
        resolved = tuple(
            r if c is r.event else r.model_copy(update={"event": c}) for r, c in zip(self.known, contents, strict=True)
        )
        return Resolution(resolved, self.retracted_by, self.corrected_by, tuple(self.problems))

    def _settle(self, i: int) -> Development:
        """The content of version i after the live amendments naming it."""
        record = self.known[i]
        content = record.event
        amendments = self.incoming.get(i, [])
        retraction = next((a for a in amendments if isinstance(a.event, EventRetracted)), None)
        if retraction is not None:
            # Retracted: the content stays as recorded; corrections of it are moot.
            self.retracted_by[record.ref] = retraction.ref
            return content
        for amender in reversed(amendments):  # version order: the last valid correction wins
            assert isinstance(amender.event, EventCorrected)
            replacement = self._replacement(record, content, amender, amender.event)
            if replacement is not None:
                content = replacement
                self.corrected_by[record.ref] = amender.ref
        return content

    def _aim(self, i: int, record: Recorded, amendment: Development) -> None:
        assert isinstance(amendment, AMENDMENTS)
        stream, version = parse_event_ref(amendment.target)
        where = self.index.get(version) if stream == record.stream else None
        if where is None or where >= i:
            self.problems.append(ReviewItem.coded("dangling_reference", record.stream, Message(
                "amends_no_earlier_event", params(ref=record.ref, target=amendment.target),
                f"{record.ref} amends {amendment.target}, which is not an earlier event of this entity",
            ), (record.ref, amendment.target)))
            return
        self.incoming.setdefault(where, []).append(record if amendment is record.event
                                                  else record.model_copy(update={"event": amendment}))

    def _replacement(
        self, target: Recorded, current: Development, amender: Recorded, correction: EventCorrected,
    ) -> Development | None:
        replacement, error = _parse(orjson.dumps(correction.replacement, option=orjson.OPT_SORT_KEYS))
        why: tuple[str, Message] | None = None
        if replacement is None:
            why = ("invalid_correction", Message(
                "replacement_invalid", params(ref=amender.ref, target=target.ref, error=error),
                f"{amender.ref}: the replacement for {target.ref} does not validate ({error})"))
        elif isinstance(replacement, AMENDMENTS) != isinstance(current, AMENDMENTS):
            why = ("invalid_correction", Message(
                "replacement_of_another_sort",
                params(ref=amender.ref, target=target.ref, type=current.type_name(), new_type=replacement.type_name()),
                f"{amender.ref}: cannot replace a {current.type_name()} by a {replacement.type_name()} ({target.ref})"))
        elif replacement.stream != target.stream:
            # An event cannot move to another entity's stream; applying it here would mix entities.
            why = ("entity_changed", Message(
                "replacement_elsewhere", params(ref=amender.ref, target=target.ref, entity=replacement.stream),
                f"{amender.ref}: the correction of {target.ref} names {replacement.stream} instead; not applied"))
        if why is not None:
            self.problems.append(ReviewItem.coded(why[0], target.stream, why[1], (amender.ref, target.ref)))
            return None
        return replacement


@lru_cache(maxsize=4096)
def _parse(canonical: bytes) -> tuple[Development | None, str]:
    """Validate a replacement once: answers resolve streams per query and date parsing is costly."""
    # Keyed on the canonical JSON so equal replacements share one frozen, immutable event.
    try:
        return parse_replacement(orjson.loads(canonical)), ""
    except (InvalidEvent, ValueError) as exc:
        return None, str(exc)


def effective_events(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> list[Recorded]:
    """The developments that count as of `as_of` as known at `known_at`, corrected, in world order."""
    return counted(resolve(records, known_at), as_of)


def counted(resolution: Resolution, as_of: date) -> list[Recorded]:
    """A resolution's live developments dated by `as_of` (earliest day), in world order."""
    found = [r for r in resolution.live() if r.event.occurred_on.earliest <= as_of]
    # world_key's order: `known` is in version order and the sort is stable, so the version
    # need not be in the key (one tuple per event, not a call and a tuple).
    found.sort(key=_world_days)
    return found


def _world_days(record: Recorded) -> tuple[date, date]:
    occurred = record.event.occurred_on
    return occurred.earliest, occurred.latest
