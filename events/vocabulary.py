"""The developments the tracker records, one frozen class each, named in the past tense."""

from __future__ import annotations

import calendar
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

from tracker.events.base import Development, EventRef, Slug, parse_event_ref
from tracker.events.dates import WorldDate
from tracker.events.states import ORGANIZATION_PARTY_PREFIX, PartyCode, StateCode, party_organization, validate_party
from tracker.events.upcasting import REPLACEMENT_VERSION, upcast_replacement

__all__ = [
    "ActionKind",
    "Attendee",
    "BodyEstablished",
    "BodyRenamed",
    "ChairmanshipAttested",
    "ChairmanshipHandedOver",
    "CommitmentFulfilled",
    "CommitmentLapsed",
    "CommitmentSuperseded",
    "CommitmentUndertaken",
    "CommitmentWithdrawn",
    "DeadlineChanged",
    "DocumentDrafted",
    "DocumentEnteredIntoForce",
    "DocumentKind",
    "DocumentSigned",
    "EventCorrected",
    "EventRetracted",
    "FormerName",
    "ImplementationLevel",
    "MeetingCancelled",
    "MeetingFormat",
    "MeetingHeld",
    "MeetingRelocated",
    "MeetingRescheduled",
    "MeetingScheduled",
    "MembershipChanged",
    "MembershipStatus",
    "OrganizationRegistered",
    "OrganizationRenamed",
    "Origin",
    "PartyActionTaken",
    "ProgressAssessed",
    "ProposalAdopted",
    "ProposalDeferred",
    "ProposalRejected",
    "ProposalSupported",
    "ProposalTabled",
    "ProposalWithdrawn",
    "RotationGroup",
    "RotationOverridden",
    "RotationRule",
    "RotationRuleChanged",
    "ScheduledTerm",
    "SeatAssigned",
    "Signatory",
]

MembershipStatus = Literal["member", "observer", "dialogue_partner", "applicant", "withdrawn"]
MeetingFormat = Literal["in_person", "virtual", "hybrid"]
RepresentationLevel = Literal[
    "head_of_state", "head_of_government", "minister", "head_of_agency", "deputy",
    "ambassador", "official", "other",
]
ProposalKind = Literal["legal_instrument", "initiative", "programme", "declaration", "amendment", "other"]
ImplementationLevel = Literal["no_evidence", "not_started", "limited", "substantial", "complete"]
DocumentKind = Literal["protocol", "agreement", "convention", "memorandum", "declaration", "joint_statement"]
ActionKind = Literal[
    "ratification", "acceptance", "approval", "accession", "succession",
    "reservation", "declaration", "objection", "denunciation",
]
_LanguageNames = dict[str, str]


class _Part(BaseModel):
    """Base of value objects nested inside events."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)


def _check_languages(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("at least one name is required, keyed by language code (e.g. {'en': ...})")
    for language, name in value.items():
        if not (2 <= len(language) <= 8 and language.replace("-", "").isalnum()):
            raise ValueError(f"{language!r} is not a language code")
        if not name.strip():
            raise ValueError(f"the {language!r} name is empty")
    return value


# --- Organizations and bodies ------------------------------------------------------


class FormerName(_Part):
    """A name an organization used to have, and until when."""

    name: str = Field(min_length=1)
    language: str = "en"
    until: WorldDate
    since: WorldDate | None = None


class _NamesChecked(BaseModel):
    """Base of the name mixins: `names` has at least one name, each keyed by a language code."""

    _names = field_validator("names", check_fields=False)(_check_languages)


# The mixins carry the entity's id too, so a creation and its renaming keep the field order they
# always had (id, then names): the stored JSON and the JSON Schema stay as they were.
class _OrganizationNames(_NamesChecked):
    """The names of an organization, shared by its registration and its renaming."""

    organization_id: Slug
    names: _LanguageNames
    abbreviations: _LanguageNames = Field(default_factory=dict)


class _BodyNames(_NamesChecked):
    """The names of a body, shared by its establishment and its renaming."""

    body_id: Slug
    names: _LanguageNames


class OrganizationRegistered(_OrganizationNames, Development):
    """An intergovernmental organization became known to the tracker."""

    stream_kind = "organization"
    stream_field = "organization_id"
    creates_stream = True

    former_names: tuple[FormerName, ...] = ()
    identifiers: dict[str, str] = Field(default_factory=dict, description="e.g. {'wikidata': 'Q485207'}")


class MembershipChanged(Development):
    """A party's standing in an organization changed (from occurred_on): a state, or an organization (org:eu)."""

    stream_kind = "organization"
    stream_field = "organization_id"

    organization_id: Slug
    state: PartyCode = Field(description="the state, or an organization written org:<id> (org:african-union)")
    status: MembershipStatus

    @model_validator(mode="after")
    def _not_itself(self) -> MembershipChanged:
        if party_organization(self.state) == self.organization_id:
            raise ValueError(f"state: {self.state} cannot be a member of itself")
        return self


class ScheduledTerm(_Part):
    """One term of a fixed presidency schedule."""

    state: PartyCode
    start: WorldDate
    end: WorldDate | None = None


class RotationGroup(_Part):
    """A group of states (a region) that holds the chair in its turn; the group picks the state."""

    name: str = Field(min_length=1, max_length=100)
    states: tuple[PartyCode, ...] = Field(min_length=1)


class RotationRule(_Part):
    """How a body's presidency passes from state to state."""

    kind: Literal["alphabetical", "cycle", "regional", "fixed_schedule", "host_of_next_meeting", "unknown"] = Field(
        description="'unknown': the rule is not known yet; answers come from evidence alone and predict nothing "
        "(a later RotationRuleChanged gives the real rule)"
    )
    language: str | None = Field(default=None, description="collation language for alphabetical")
    term: Literal["annual", "monthly", "months", "per_meeting"] | None = None
    term_months: int | None = Field(
        default=None, ge=1, le=120,
        description="length of a term when term='months' (6, 24...), counted from the anchor",
    )
    anchor: str | None = Field(
        default=None, pattern=r"^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$",
        description="MM-DD a term starts; YYYY-MM-DD fixes which years terms longer than a year start in",
    )
    schedule: tuple[ScheduledTerm, ...] = ()
    order: tuple[PartyCode, ...] = Field(
        default=(), description="for kind 'cycle': the order the body fixed, repeated (e.g. an acronym's)"
    )
    groups: tuple[RotationGroup, ...] = Field(
        default=(), description="for kind 'regional': the groups in the order they take turns"
    )
    names: dict[PartyCode, str] = Field(
        default_factory=dict,
        description="the organization's own name of each state in `language` (alphabetical only); "
        "overrides the packaged reference table, e.g. {'KOR': 'Republic of Korea'}",
    )

    @field_validator("anchor")
    @classmethod
    def _real_anchor(cls, value: str | None) -> str | None:
        if value is not None:
            month, day = int(value[-5:-3]), int(value[-2:])
            # 2023 is not a leap year: an anchor must fall every year, so 02-29 is refused.
            if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2023, month)[1]):
                raise ValueError(f"{value!r} is not a day every year has (MM-DD)")
        return value

    @field_validator("names")
    @classmethod
    def _non_empty_names(cls, value: dict[str, str]) -> dict[str, str]:
        for state, name in value.items():
            if not name.strip():
                raise ValueError(f"the name of {state} is empty")
        return value

    @model_validator(mode="after")
    def _unknown_has_no_parts(self) -> RotationRule:
        # A rule not known has no parts: a term or anchor given with it would be invented.
        if self.kind == "unknown" and (self.language or self.term or self.anchor):
            raise ValueError("kind: an 'unknown' rule takes no language, term or anchor")
        return self

    @model_validator(mode="after")
    def _complete_for_kind(self) -> RotationRule:
        if self.kind == "alphabetical" and (self.language is None or self.term is None):
            raise ValueError("an alphabetical rule needs a collation language and a term")
        if self.kind == "cycle" and (len(self.order) < 2 or len(set(self.order)) != len(self.order) or not self.term):
            raise ValueError("order: a cycle rule needs a term and two or more different states in order")
        if self.kind != "cycle" and self.order:
            raise ValueError(f"order: only a cycle rule has one, not {self.kind!r}")
        members = [s for g in self.groups for s in g.states]
        if self.kind == "regional" and (len(self.groups) < 2 or not self.term or len(set(members)) != len(members)):
            raise ValueError("groups: a regional rule needs a term and two or more groups, no state in two")
        if self.kind != "regional" and self.groups:
            raise ValueError(f"groups: only a regional rule has them, not {self.kind!r}")
        if (self.term == "months") != (self.term_months is not None):
            raise ValueError("term_months: give it exactly when term is 'months' (e.g. 6 or 24)")
        if self.kind == "fixed_schedule" and not self.schedule:
            raise ValueError("a fixed_schedule rule needs at least one scheduled term")
        if self.kind != "fixed_schedule" and self.schedule:
            raise ValueError(f"schedule: only a fixed_schedule rule has one, not {self.kind!r}")
        if self.kind != "alphabetical" and self.names:
            raise ValueError(f"names: only an alphabetical rule sorts by names, not {self.kind!r}")
        starts = [t.start.earliest for t in self.schedule]
        if len(set(starts)) != len(starts):
            raise ValueError("schedule: two terms start on the same day")
        for term in self.schedule:
            if term.end is not None and term.end.latest < term.start.earliest:
                raise ValueError(f"schedule: the {term.state} term ends ({term.end}) before it starts ({term.start})")
        return self


class BodyEstablished(_BodyNames, Development):
    """A forum of an organization was set up, with its presidency rule."""

    stream_kind = "body"
    stream_field = "body_id"
    creates_stream = True

    organization_id: Slug
    rotation: RotationRule


class RotationRuleChanged(Development):
    """A body adopted a new presidency rule (from occurred_on)."""

    stream_kind = "body"
    stream_field = "body_id"

    body_id: Slug
    rotation: RotationRule
    reason: str | None = None


class RotationOverridden(Development):
    """A one-off departure from the rule: a swap, skip or deferral, with its reason."""

    stream_kind = "body"
    stream_field = "body_id"

    body_id: Slug
    override: Literal["swap", "skip", "defer", "exclude", "readmit"] = Field(
        description="swap/skip/defer: one-off; exclude: the state takes no turn until readmitted"
    )
    states: tuple[PartyCode, ...] = Field(min_length=1, max_length=2)
    reason: str = Field(min_length=1)
    term: WorldDate | None = Field(
        default=None,
        description="the term it changes, by when that term starts (e.g. '2026'); it applies to that term alone. "
        "Without it: to the named state's next turn after occurred_on",
    )

    @model_validator(mode="after")
    def _arity(self) -> RotationOverridden:
        wanted = 2 if self.override == "swap" else 1
        if len(self.states) != wanted:
            raise ValueError(f"states: a {self.override} names {wanted} state(s), got {list(self.states)}")
        if len(set(self.states)) != len(self.states):
            raise ValueError(f"states: a swap needs two different states, got {list(self.states)}")
        return self


class ChairmanshipHandedOver(Development):
    """The chair of a body passed from one state to another (from_state = to_state: kept for a new term)."""

    stream_kind = "body"
    stream_field = "body_id"

    body_id: Slug
    from_state: PartyCode | None = None
    to_state: PartyCode
    meeting_id: Slug | None = None



# --- Meetings --------------------------------------------------------------------------


class Attendee(_Part):
    """Who represented a state at a meeting, and at what level."""

    state: PartyCode
    person: str | None = None
    office: str | None = None
    level: RepresentationLevel | None = None


class MeetingScheduled(Development):
    """A meeting of a body was announced (occurred_on: when it was announced)."""

    stream_kind = "meeting"
    stream_field = "meeting_id"
    creates_stream = True

    meeting_id: Slug
    body_id: Slug
    number: int | None = Field(default=None, ge=1)
    city: str | None = None
    venue: str | None = None
    host_state: StateCode | None = None
    starts_on: WorldDate
    ends_on: WorldDate | None = None
    format: MeetingFormat = "in_person"
    theme: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MeetingScheduled:
        if self.ends_on is not None and self.ends_on.latest < self.starts_on.earliest:
            raise ValueError(f"ends_on: {self.ends_on} is before starts_on {self.starts_on}")
        return self


class MeetingRescheduled(Development):
    """A meeting moved to other dates."""

    stream_kind = "meeting"
    stream_field = "meeting_id"

    meeting_id: Slug
    starts_on: WorldDate
    ends_on: WorldDate | None = None
    reason: str | None = None


class MeetingRelocated(Development):
    """A meeting moved to another place or format."""

    stream_kind = "meeting"
    stream_field = "meeting_id"

    meeting_id: Slug
    city: str | None = None
    venue: str | None = None
    host_state: StateCode | None = None
    format: MeetingFormat | None = None
    reason: str | None = None


class MeetingCancelled(Development):
    """A meeting will not take place."""

    stream_kind = "meeting"
    stream_field = "meeting_id"

    meeting_id: Slug
    reason: str | None = None


class MeetingHeld(Development):
    """A meeting took place (occurred_on: when), with who attended; it creates a meeting never scheduled."""

    stream_kind = "meeting"
    stream_field = "meeting_id"

    meeting_id: Slug
    attendees: tuple[Attendee, ...] = ()
    chaired_by: PartyCode | None = None
    # A meeting never scheduled is created from the report that it was held: it then names
    # what a schedule would have (its body, required then; number and place, if known). For a
    # scheduled meeting they are this source's facts: where they differ, a review item says so.
    body_id: Slug | None = Field(
        default=None, description="the meeting's body: required when the meeting was never scheduled"
    )
    number: int | None = Field(
        default=None, ge=1, description="its number, as this report gives it (differing from the schedule: reviewed)"
    )
    city: str | None = Field(
        default=None, description="where it was held, as this report gives it (differing from the schedule: reviewed)"
    )
    host_state: StateCode | None = Field(
        default=None, description="its host, as this report gives it (differing from the schedule: reviewed)"
    )
    attendance_count: int | None = Field(
        default=None, ge=1, description="delegations present, when a source gives a number rather than names"
    )

    @model_validator(mode="after")
    def _count_covers_names(self) -> MeetingHeld:
        if self.attendance_count is not None and self.attendance_count < len(self.attendees):
            raise ValueError(
                f"attendance_count: {self.attendance_count} is fewer than the {len(self.attendees)} attendees named"
            )
        return self


# --- Proposals ---------------------------------------------------------------------------


class ProposalTabled(Development):
    """A state put forward a proposal."""

    stream_kind = "proposal"
    stream_field = "proposal_id"
    creates_stream = True

    proposal_id: Slug
    organization_id: Slug
    body_id: Slug | None = None
    meeting_id: Slug | None = None
    by_state: PartyCode
    by_person: str | None = None
    by_office: str | None = None
    title: str = Field(min_length=1, max_length=1000)
    summary: str | None = None
    kind: ProposalKind = "other"


class ProposalSupported(Development):
    """States declared support for a proposal."""

    stream_kind = "proposal"
    stream_field = "proposal_id"

    proposal_id: Slug
    states: tuple[PartyCode, ...] = Field(default=(), description="the supporting states")
    # One supporting state, named `state` as in the other events; stored in `states`.
    state: PartyCode | None = Field(default=None, exclude=True, description="one supporting state")
    meeting_id: Slug | None = None

    @model_validator(mode="before")
    @classmethod
    def _state_joins_states(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("state") is not None:
            data = dict(data)
            data["states"] = (*data.get("states", ()), data.pop("state"))
        return data

    @model_validator(mode="after")
    def _someone_supports(self) -> ProposalSupported:
        if not self.states:
            raise ValueError("states: name the supporting state (state=...) or states (states=[...])")
        return self


class ProposalAdopted(Development):
    """A proposal was adopted, possibly into a commitment or a document."""

    stream_kind = "proposal"
    stream_field = "proposal_id"

    proposal_id: Slug
    meeting_id: Slug | None = None
    into_commitment_id: Slug | None = None
    into_document_id: Slug | None = None


class ProposalRejected(Development):
    """A proposal was turned down."""

    stream_kind = "proposal"
    stream_field = "proposal_id"

    proposal_id: Slug
    meeting_id: Slug | None = None
    reason: str | None = None


class ProposalWithdrawn(Development):
    """Its proposer took a proposal back."""

    stream_kind = "proposal"
    stream_field = "proposal_id"

    proposal_id: Slug
    reason: str | None = None


class ProposalDeferred(Development):
    """Consideration of a proposal was postponed."""

    stream_kind = "proposal"
    stream_field = "proposal_id"

    proposal_id: Slug
    until: WorldDate | None = None
    meeting_id: Slug | None = None
    reason: str | None = None


# --- Commitments ---------------------------------------------------------------------


class Origin(_Part):
    """Where a commitment comes from: a meeting, a proposal or a document."""

    kind: Literal["meeting", "proposal", "document"]
    id: Slug


class CommitmentUndertaken(Development):
    """States undertook to do something."""

    stream_kind = "commitment"
    stream_field = "commitment_id"
    creates_stream = True

    commitment_id: Slug
    organization_id: Slug
    body_id: Slug | None = None
    parties: tuple[PartyCode, ...] = Field(min_length=1)
    title: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1)
    origin: Origin | None = None
    due_on: WorldDate | None = None
    topics: tuple[str, ...] = ()

    @field_validator("parties")
    @classmethod
    def _unique_parties(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"a state is listed twice: {list(value)}")
        return value


class ProgressAssessed(Development):
    """Someone assessed how far a commitment is implemented, by one party or overall."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug
    party: PartyCode | None = Field(default=None, description="None: the commitment overall")
    level: ImplementationLevel
    assessor: str | None = None
    evidence: str | None = None


class DeadlineChanged(Development):
    """A commitment's due date moved (or was removed)."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug
    due_on: WorldDate | None
    reason: str | None = None


class CommitmentFulfilled(Development):
    """A commitment was carried out."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug


class CommitmentLapsed(Development):
    """A commitment ran out without being carried out."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug
    reason: str | None = None


class CommitmentWithdrawn(Development):
    """A commitment was abandoned by its parties."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug
    reason: str | None = None


class CommitmentSuperseded(Development):
    """A commitment was replaced by another."""

    stream_kind = "commitment"
    stream_field = "commitment_id"

    commitment_id: Slug
    by_commitment_id: Slug
    reason: str | None = None

    @model_validator(mode="after")
    def _not_itself(self) -> CommitmentSuperseded:
        if self.by_commitment_id == self.commitment_id:
            raise ValueError(f"by_commitment_id: {self.commitment_id!r} cannot supersede itself")
        return self


# --- Documents -----------------------------------------------------------------------


class DocumentDrafted(Development):
    """A text (protocol, agreement, ...) came into being as a draft."""

    stream_kind = "document"
    stream_field = "document_id"
    creates_stream = True

    document_id: Slug
    organization_id: Slug
    body_id: Slug | None = None
    meeting_id: Slug | None = None
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=1000)
    languages: tuple[str, ...] = ()


class Signatory(_Part):
    """A state signing a document, and who signed for it."""

    state: PartyCode
    person: str | None = None
    office: str | None = None


class DocumentSigned(Development):
    """States signed a document."""

    stream_kind = "document"
    stream_field = "document_id"

    document_id: Slug
    signatories: tuple[Signatory, ...] = Field(min_length=1)
    place: str | None = None
    meeting_id: Slug | None = None

    @field_validator("signatories")
    @classmethod
    def _unique_states(cls, value: tuple[Signatory, ...]) -> tuple[Signatory, ...]:
        states = [s.state for s in value]
        if len(set(states)) != len(states):
            raise ValueError(f"a state signs twice in one event: {states}")
        return value


class PartyActionTaken(Development):
    """A state took a treaty action on a document (as the UN Treaty Collection lists them)."""

    stream_kind = "document"
    stream_field = "document_id"

    document_id: Slug
    state: PartyCode
    action: ActionKind
    text: str | None = Field(default=None, description="text of a reservation, declaration or objection")


class DocumentEnteredIntoForce(Development):
    """A document entered into force, generally or for some states."""

    stream_kind = "document"
    stream_field = "document_id"

    document_id: Slug
    for_states: tuple[PartyCode, ...] = Field(default=(), description="empty: for all its parties")


# --- Corrections ---------------------------------------------------------------------


class EventRetracted(Development):
    """An earlier event was wrong and no longer counts; it stays in the log."""

    stream_kind = "*"
    stream_field = "target"

    target: EventRef
    reason: str = Field(min_length=1)

    @property
    def stream(self) -> str:
        """The stream of the retracted event."""
        return parse_event_ref(self.target)[0]


class EventCorrected(Development):
    """An earlier event is replaced by a corrected version of itself; it stays in the log."""

    # v2: the replacement carries the class version its fields follow ("v"), so that it is
    # upcast exactly as a stored event is when its type's schema changes.
    class_version = 2
    stream_kind = "*"
    stream_field = "target"

    target: EventRef
    reason: str = Field(min_length=1)
    replacement: dict[str, Any] = Field(
        description="the whole corrected event, in the JSON Lines form with its 'type'"
    )

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Replacements stored under v1 were written when every event class was at version 1."""
        replacement = state.get("replacement")
        if isinstance(replacement, dict):
            replacement.setdefault(REPLACEMENT_VERSION, 1)

    @field_validator("replacement", mode="before")
    @classmethod
    def _current_schema(cls, value: Any) -> Any:
        from tracker.events import EVENT_TYPES  # the registry is built after this module

        return upcast_replacement(value, EVENT_TYPES)

    @property
    def stream(self) -> str:
        """The stream of the corrected event."""
        return parse_event_ref(self.target)[0]


# --- Presidency evidence and seats -------------------------------------------------------


class ChairmanshipAttested(Development):
    """A source says a state chaired a body on a date (occurred_on), without saying when its term began."""

    stream_kind = "body"
    stream_field = "body_id"

    body_id: Slug
    state: PartyCode
    meeting_id: Slug | None = None


class SeatAssigned(Development):
    """A state holds a seat on a body from occurred_on, until a day if known (e.g. an elected Council member)."""

    stream_kind = "body"
    stream_field = "body_id"

    body_id: Slug
    state: PartyCode
    until: WorldDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SeatAssigned:
        if self.until is not None and self.until.latest < self.occurred_on.earliest:
            raise ValueError(f"until: {self.until} is before occurred_on {self.occurred_on}")
        return self


# --- Renaming ----------------------------------------------------------------------------


class OrganizationRenamed(_OrganizationNames, Development):
    """An organization took new names from occurred_on (the Turkic Council became the OTS on 2021-11-12)."""

    stream_kind = "organization"
    stream_field = "organization_id"


class BodyRenamed(_BodyNames, Development):
    """A body took new names from occurred_on."""

    stream_kind = "body"
    stream_field = "body_id"


# --- Review decisions --------------------------------------------------------------------

ReviewDecision = Literal["preferred_source", "explained", "dismissed", "reopened"]


class ReviewDecided(Development):
    """A reviewer settled a review item (or reopened it); the latest decision on an item is the one that counts."""

    # Each review item has a stream of its own, so decisions never enter an entity's history
    # (they change no status, deadline or staleness) and are read back item by item.
    stream_kind = "review"
    stream_field = "item_id"

    item_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="the review item's stable id")
    entity: str = Field(pattern=r"^[a-z]+:.+$", max_length=300, description="the stream the item concerns")
    decision: ReviewDecision
    preferred_ref: EventRef | None = Field(default=None, description="the event whose source is preferred")
    reason: str = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _preferred_ref_only_when_preferring(self) -> ReviewDecided:
        if self.decision == "preferred_source" and self.preferred_ref is None:
            raise ValueError("preferred_ref: required when the decision is preferred_source")
        if self.decision != "preferred_source" and self.preferred_ref is not None:
            raise ValueError(f"preferred_ref: only with decision preferred_source, not {self.decision}")
        if self.preferred_ref is not None and parse_event_ref(self.preferred_ref)[0] == self.stream:
            raise ValueError("preferred_ref: must name an event of the entity, not a decision")
        return self


__all__ += ["ReviewDecided", "ReviewDecision"]


# --- Organizations named as parties -------------------------------------------------------


def _is_party_type(annotation: Any) -> bool:
    """True when a type is, or holds (in a tuple, an optional, a dict's keys), PartyCode."""
    if get_origin(annotation) is Annotated and any(
        isinstance(m, BeforeValidator) and m.func is validate_party for m in annotation.__metadata__
    ):
        return True
    return any(_is_party_type(arg) for arg in get_args(annotation))


def _is_party_field(info: FieldInfo) -> bool:
    return any(isinstance(m, BeforeValidator) and m.func is validate_party for m in info.metadata) or (
        _is_party_type(info.annotation)
    )


@cache
def _party_fields(cls: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """(field, True: it holds parties / False: it holds parts that may) for one model class, asked once."""
    found: list[tuple[str, bool]] = []
    for name, info in cls.model_fields.items():
        if _is_party_field(info):
            found.append((name, True))
        elif _holds_parts(info.annotation):
            found.append((name, False))
    return tuple(found)


def _holds_parts(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, _Part):
        return True
    return any(_holds_parts(arg) for arg in get_args(annotation))


def _collect(model: BaseModel, prefix: str, found: list[tuple[str, str]]) -> None:
    for name, holds_parties in _party_fields(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if holds_parties:
            # A str, a tuple of them, or a dict keyed by them (a rule's names map).
            for party in (value,) if isinstance(value, str) else value:
                if party.startswith(ORGANIZATION_PARTY_PREFIX):
                    found.append((prefix + name, party[len(ORGANIZATION_PARTY_PREFIX):]))
        else:
            for part in value if isinstance(value, tuple) else (value,):
                if isinstance(part, BaseModel):
                    _collect(part, f"{prefix}{name}.", found)


def party_organizations(event: Development) -> list[tuple[str, str]]:
    """The organizations an event names as parties: (field, organization id), e.g. ('parties', 'eu')."""
    found: list[tuple[str, str]] = []
    _collect(event, "", found)
    return found


__all__ += ["party_organizations"]
