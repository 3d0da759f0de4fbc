"""A hand-built in-memory ReadModel: the SCO/OTS demo story, plus a synthetic scaled-up variant.

The statuses are fixed answers (the fake does not fold events); the as_of / known_at / scope /
window arguments filter which entities and developments are visible, which is what reports
depend on. Every call is logged in `calls` so tests can check what a report asked for.
URLs are illustrative; publishers and dates follow /work/shared/seeds/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from tracker.events import PartialDate, Source, parse_partial_date
from tracker.projections.model import (
    Attendance,
    ChairTerm,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    EntityNames,
    LogHead,
    MeetingStatus,
    PartyDocumentStatus,
    PresidencyStatus,
    ProposalStatus,
    ReviewItem,
    StatusChange,
)

SCO = "sco"
OTS = "ots"
SCO_PG = "sco-prosecutors-general"
OTS_PG = "ots-council-of-prosecutors-general"
SCO_2018 = ("CHN", "IND", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB")
SCO_2024 = (*SCO_2018, "IRN", "BLR")
OTS_MEMBERS = ("AZE", "KAZ", "KGZ", "TUR", "UZB")

BNEWS = Source(
    publisher="BNews.kz",
    title="Kazakhstan proposes a joint SCO document on combating terrorism in the Internet",
    url="https://bnews.kz/ru/news/sco-prosecutors-general-dushanbe",
    published_on=parse_partial_date("2018-09-21"),
    language="ru",
)
ASIAPLUS = Source(
    publisher="Asia-Plus",
    title="Генпрокуроры стран ШОС собрались в Душанбе",
    url="https://asiaplus.tj/ru/node/259123",
    published_on=parse_partial_date("2018-09-20"),
    language="ru",
)
SCO_SECRETARIAT = Source(
    publisher="SCO Secretariat",
    title="17th meeting of SCO Prosecutors General held in Bishkek",
    url="https://eng.sectsco.org/news/20191003/17th-meeting-prosecutors-general",
    published_on=parse_partial_date("2019-10-03"),
    language="en",
)
KABAR = Source(publisher="Kabar", title="Meeting of SCO Prosecutors General in Ala-Archa", language="en")
KT_KZ = Source(
    publisher="Kazakhstan Today",
    title="Protocol signed at the XXII meeting of SCO Prosecutors General",
    url="https://www.kt.kz/rus/state/1377967080.html",
    published_on=parse_partial_date("2024-07-25"),
    language="ru",
)
SILKWAY = Source(
    publisher="Silk Way News",
    title="Chairmanship passes to Pakistan",
    url="https://silkway.news/news/137139",
    published_on=parse_partial_date("2024-07-26"),
    language="ru",
)


@cache
def d(text: str) -> PartialDate:
    """A PartialDate from its EDTF text (cached: the EDTF parser is slow and dates repeat)."""
    return parse_partial_date(text)


def at(text: str) -> datetime:
    """A UTC record time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def dev(
    entity: str, version: int, type_: str, occurred: str, recorded: str, summary: str, *sources: Source,
    retracted: bool = False, corrected_by: str | None = None,
) -> DevelopmentSummary:
    """One development summary."""
    return DevelopmentSummary(
        ref=f"{entity}#{version}", type=type_, entity=entity, occurred_on=d(occurred), recorded_at=at(recorded),
        summary=summary, sources=sources, retracted=retracted, corrected_by=corrected_by,
    )


FAKE_HEAD = LogHead(42, "5f1c" + "0" * 60)  # a well-formed head the fake answers from

@dataclass
class FakeReadModel:
    """An in-memory ReadModel answering from fixed statuses, filtered by scope, time and window."""

    commitment_list: list[CommitmentStatus] = field(default_factory=list)
    proposal_list: list[ProposalStatus] = field(default_factory=list)
    document_list: list[DocumentStatus] = field(default_factory=list)
    meeting_list: list[MeetingStatus] = field(default_factory=list)
    presidency_list: list[PresidencyStatus] = field(default_factory=list)
    review_list: list[ReviewItem] = field(default_factory=list)
    development_list: list[DevelopmentSummary] = field(default_factory=list)
    change_list: list[StatusChange] = field(default_factory=list)
    name_list: list[EntityNames] = field(default_factory=list)
    # entity -> (organization_id, body_id), so developments can be scoped.
    owners: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _first_recorded: dict[str, datetime] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)

    def log_head(self) -> LogHead:
        """A fixed log position and chain head, as if read from a log of FAKE_HEAD's length."""
        return FAKE_HEAD

    def _in_scope(self, org: str, body: str | None, organization_id: str | None, body_id: str | None) -> bool:
        return (organization_id is None or org == organization_id) and (body_id is None or body == body_id)

    def _visible(self, last: DevelopmentSummary, born: PartialDate, as_of: date | None,
                 known_at: datetime | None) -> bool:
        # An entity exists for the answer once it began in the world and its first record is known;
        # the fixed status's last development stands in for its first record (good enough for a fake).
        if as_of is not None and born.earliest > as_of:
            return False
        if known_at is None:
            return True
        if self._indexed != len(self.development_list):  # rebuilt when developments were added
            self._indexed = len(self.development_list)
            self._first_recorded = {}
            for x in self.development_list:
                seen = self._first_recorded.get(x.entity)
                self._first_recorded[x.entity] = x.recorded_at if seen is None else min(seen, x.recorded_at)
        return self._first_recorded.get(last.entity, last.recorded_at) <= known_at

    def commitments(self, *, organization_id: str | None = None, body_id: str | None = None,
                    as_of: date | None = None, known_at: datetime | None = None) -> list[CommitmentStatus]:
        """Every commitment in scope."""
        self.calls.append(("commitments", {"organization_id": organization_id, "body_id": body_id,
                                           "as_of": as_of, "known_at": known_at}))
        return [c for c in self.commitment_list
                if self._in_scope(c.organization_id, c.body_id, organization_id, body_id)
                and self._visible(c.last_development, c.undertaken_on, as_of, known_at)]

    def proposals(self, *, organization_id: str | None = None, body_id: str | None = None,
                  as_of: date | None = None, known_at: datetime | None = None) -> list[ProposalStatus]:
        """Every proposal in scope."""
        self.calls.append(("proposals", {"organization_id": organization_id, "body_id": body_id,
                                         "as_of": as_of, "known_at": known_at}))
        return [p for p in self.proposal_list if self._in_scope(p.organization_id, p.body_id, organization_id, body_id)]

    def entity_names(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[EntityNames]:
        """The recorded names of the organizations and bodies in scope."""
        self.calls.append(("entity_names", {"organization_id": organization_id, "body_id": body_id,
                                            "as_of": as_of, "known_at": known_at}))
        out = []
        for n in self.name_list:
            kind, _, ident = n.stream.partition(":")
            org = ident if kind == "organization" else (n.organization_id or "")
            body = ident if kind == "body" else None
            if (organization_id is None or org == organization_id) and (
                    body_id is None or body == body_id or (kind == "organization" and org in self._body_orgs(body_id))):
                out.append(n)
        return out

    def _body_orgs(self, body_id: str) -> set[str]:
        return {n.organization_id or "" for n in self.name_list if n.stream == f"body:{body_id}"}

    def documents(self, *, organization_id: str | None = None, body_id: str | None = None,
                  as_of: date | None = None, known_at: datetime | None = None) -> list[DocumentStatus]:
        """Every document in scope."""
        self.calls.append(("documents", {"organization_id": organization_id, "body_id": body_id,
                                         "as_of": as_of, "known_at": known_at}))
        return [x for x in self.document_list
                if self._in_scope(x.organization_id, x.body_id, organization_id, body_id)
                and self._visible(x.last_development, x.drafted_on, as_of, known_at)]

    def meetings(self, *, organization_id: str | None = None, body_id: str | None = None,
                 as_of: date | None = None, known_at: datetime | None = None) -> list[MeetingStatus]:
        """Every meeting in scope."""
        self.calls.append(("meetings", {"organization_id": organization_id, "body_id": body_id,
                                        "as_of": as_of, "known_at": known_at}))
        return [m for m in self.meeting_list
                if self._in_scope(m.organization_id, m.body_id, organization_id, body_id)
                and (known_at is None or m.last_development.recorded_at <= known_at)]

    def presidencies(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[PresidencyStatus]:
        """The presidency of every body in scope."""
        self.calls.append(("presidencies", {"organization_id": organization_id, "body_id": body_id,
                                            "as_of": as_of, "known_at": known_at}))
        return [p for p in self.presidency_list
                if self._in_scope(p.organization_id, p.body_id, organization_id, body_id)]

    def review_items(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[ReviewItem]:
        """What needs a person's review."""
        self.calls.append(("review_items", {"organization_id": organization_id, "body_id": body_id}))
        out = []
        for r in self.review_list:
            org, body = self.owners.get(r.entity, ("", None))
            if self._in_scope(org, body, organization_id, body_id):
                out.append(r)
        return out

    def _window(self, entity: str, occurred_on: PartialDate, recorded_at: datetime, organization_id: str | None,
                body_id: str | None, recorded_after: datetime | None, occurred_after: date | None,
                as_of: date | None, known_at: datetime | None) -> bool:
        org, body = self.owners.get(entity, ("", None))
        return (self._in_scope(org, body, organization_id, body_id)
                and (recorded_after is None or recorded_at > recorded_after)
                and (occurred_after is None or occurred_on.latest > occurred_after)
                and (as_of is None or occurred_on.earliest <= as_of)
                and (known_at is None or recorded_at <= known_at))

    def developments(self, *, organization_id: str | None = None, body_id: str | None = None,
                     recorded_after: datetime | None = None, occurred_after: date | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[DevelopmentSummary]:
        """Developments in scope, in world order, optionally only those after a time."""
        self.calls.append(("developments", {"organization_id": organization_id, "body_id": body_id,
                                            "recorded_after": recorded_after, "occurred_after": occurred_after,
                                            "as_of": as_of, "known_at": known_at}))
        found = [x for x in self.development_list
                 if self._window(x.entity, x.occurred_on, x.recorded_at, organization_id, body_id,
                                 recorded_after, occurred_after, as_of, known_at)]
        return sorted(found, key=lambda x: (x.occurred_on.sort_key(), x.recorded_at))

    def status_changes(self, *, organization_id: str | None = None, body_id: str | None = None,
                       recorded_after: datetime | None = None, occurred_after: date | None = None,
                       as_of: date | None = None, known_at: datetime | None = None) -> list[StatusChange]:
        """Status changes caused by developments in the window."""
        self.calls.append(("status_changes", {"organization_id": organization_id, "body_id": body_id,
                                              "recorded_after": recorded_after, "occurred_after": occurred_after}))
        return [x for x in self.change_list
                if self._window(x.entity, x.occurred_on, x.recorded_at, organization_id, body_id,
                                recorded_after, occurred_after, as_of, known_at)]


def demo_read_model(hostile: str | None = None) -> FakeReadModel:
    """The demo story: SCO Prosecutors General meetings 16, 17, 22 and 23, OTS Council meeting III.

    With `hostile`, that text is also used as a commitment title, a source title, a meeting venue,
    a review message and a presidency deviation, to prove every renderer escapes it.
    """
    m16, m17, m22, m23, o3 = (f"meeting:{SCO_PG}/16", f"meeting:{SCO_PG}/17", f"meeting:{SCO_PG}/22",
                              f"meeting:{SCO_PG}/23", f"meeting:{OTS_PG}/3")
    c_joint = "commitment:sco-joint-action-extremism-2018"
    c_net = "commitment:sco-internet-terrorism-document-2018"
    c_host = "commitment:sco-host-17th-meeting-2019"
    c_prot = "commitment:sco-protocol-cooperation-2024"
    c_ots = "commitment:ots-information-exchange-2024"
    doc_prot = "document:sco-prosecutors-protocol-2024"
    doc_net = "document:sco-agreement-internet-terrorism"
    b_sco, b_ots = f"body:{SCO_PG}", f"body:{OTS_PG}"
    p_net, p_drugs = "proposal:kaz-internet-terrorism-2018", "proposal:kgz-drug-routes-centre-2019"
    bnews_quoted = BNEWS.model_copy(update={
        "quote": "Kozhamzharov suggested that within the framework of the SCO, a joint legal "
                 "document on combating terrorism in the Internet space be adopted."})

    devs = [
        dev(p_net, 1, "ProposalTabled", "2018-09-20", "2024-08-01 09:11",
            "Proposal tabled by KAZ: Joint SCO legal document on combating terrorism in the Internet space",
            bnews_quoted),
        dev(p_net, 2, "ProposalSupported", "2018-09-20", "2024-08-01 09:11", "Proposal supported by RUS, TJK", BNEWS),
        dev(p_net, 3, "ProposalAdopted", "2018-09-20", "2024-08-01 09:12",
            "Proposal adopted into commitment sco-internet-terrorism-document-2018", BNEWS),
        dev(p_drugs, 1, "ProposalTabled", "2019-10-01", "2024-08-01 09:23",
            "Proposal tabled by KGZ: Regional centre on drug routes"),
        dev(m16, 1, "MeetingScheduled", "2018-08", "2024-08-01 09:00", "Scheduled: 16th meeting, Dushanbe", ASIAPLUS),
        dev(m16, 2, "MeetingHeld", "2018-09-20", "2024-08-01 09:05", "Held in Dushanbe (TJK chair)", ASIAPLUS, BNEWS),
        dev(c_joint, 1, "CommitmentUndertaken", "2018-09-20", "2024-08-01 09:10",
            "Undertaken by 8 parties at the 16th meeting", BNEWS),
        dev(c_net, 1, "CommitmentUndertaken", "2018-09-20", "2024-08-01 09:12",
            "Undertaken on Kazakhstan's proposal (KAZ)", BNEWS),
        dev(c_host, 1, "CommitmentUndertaken", "2018-09-20", "2024-08-01 09:14",
            "Kyrgyzstan to host the 17th meeting", ASIAPLUS),
        dev(m17, 1, "MeetingHeld", "2019-10-01", "2024-08-01 09:20", "Held in Bishkek (KGZ chair)", SCO_SECRETARIAT),
        dev(c_host, 2, "CommitmentFulfilled", "2019-10-01", "2024-08-01 09:21", "Fulfilled: 17th meeting held",
            SCO_SECRETARIAT),
        dev(c_joint, 2, "ProgressAssessed", "2019-10", "2024-08-01 09:22", "Progress assessed: limited",
            SCO_SECRETARIAT),
        dev(doc_net, 1, "DocumentDrafted", "2019-10", "2024-08-01 09:30", "Drafted: agreement on Internet terrorism",
            SCO_SECRETARIAT),
        dev(doc_net, 2, "DocumentSigned", "2020-03-12", "2024-08-01 09:31", "Signed by KAZ, KGZ, RUS, TJK",
            SCO_SECRETARIAT),
        dev(doc_net, 3, "PartyActionTaken", "2021", "2024-08-01 09:32", "Ratification (KAZ)", SCO_SECRETARIAT),
        dev(m22, 1, "MeetingScheduled", "2024-06", "2024-08-01 10:00", "Scheduled: XXII meeting, Bishkek", KT_KZ),
        dev(m22, 2, "MeetingHeld", "2024-07-25", "2024-08-01 10:05", "Held at Ala-Archa, Bishkek (KGZ chair)",
            KABAR, KT_KZ),
        dev(b_sco, 5, "ChairmanshipHandedOver", "2024-07-25", "2024-08-01 10:06", "Chair passed from KGZ to PAK",
            KT_KZ, SILKWAY),
        dev(doc_prot, 1, "DocumentSigned", "2024-07-25", "2024-08-01 10:07", "Protocol signed by all 10 members",
            KABAR, KT_KZ),
        dev(c_prot, 1, "CommitmentUndertaken", "2024-07-25", "2024-08-01 10:08", "Undertaken by 10 parties", KT_KZ),
        dev(c_joint, 3, "ProgressAssessed", "2024-07-25", "2024-08-01 10:09", "Progress assessed: limited (KAZ)",
            KT_KZ),
        dev(o3, 1, "MeetingHeld", "2024-07-25", "2024-08-01 10:15", "Held at Ala-Archa, Bishkek (KGZ chair)", KABAR),
        dev(c_ots, 1, "CommitmentUndertaken", "2024-07-25", "2024-08-01 10:16", "Undertaken by 5 parties", KABAR),
        dev(m23, 1, "MeetingScheduled", "2024-07-25", "2024-08-01 10:20", "Scheduled: 23rd meeting, Pakistan",
            SILKWAY),
        # Recorded later: the window ("since") tests turn on these.
        dev(c_net, 2, "DeadlineChanged", "2024-07-25", "2025-02-10 08:00", "Due date moved from 2019 to 2025-12",
            KT_KZ),
        dev(c_ots, 2, "ProgressAssessed", "2025-01", "2025-02-11 08:00", "Progress assessed: not started", KABAR),
        dev(c_prot, 2, "ProgressAssessed", "2024-12~", "2025-02-12 08:00", "Progress assessed: limited, approximate",
            KT_KZ),
    ]
    by_ref = {x.ref: x for x in devs}

    def last(entity: str) -> DevelopmentSummary:
        return max((x for x in devs if x.entity == entity), key=lambda x: (x.occurred_on.sort_key(), x.recorded_at))

    def count(entity: str) -> int:
        return sum(x.entity == entity for x in devs)

    proposals = [
        ProposalStatus(
            proposal_id="kaz-internet-terrorism-2018", organization_id=SCO, body_id=SCO_PG, meeting_id=f"{SCO_PG}/16",
            title="Joint SCO legal document on combating terrorism in the Internet space",
            summary="Kazakhstan proposed a joint legal document against terrorism on the Internet.",
            kind="legal_instrument", by_state="KAZ", by_person="Kairat Kozhamzharov",
            by_office="Prosecutor General of the Republic of Kazakhstan", tabled_on=d("2018-09-20"), status="adopted",
            supporters=("RUS", "TJK"), adopted_into=("commitment", "sco-internet-terrorism-document-2018"),
            deferred_until=None, last_development=last(p_net),
        ),
        ProposalStatus(
            proposal_id="kgz-drug-routes-centre-2019", organization_id=SCO, body_id=SCO_PG, meeting_id=f"{SCO_PG}/17",
            title="Regional centre on drug routes", summary=None, kind="initiative", by_state="KGZ", by_person=None,
            by_office=None, tabled_on=d("2019-10-01"), status="tabled", supporters=(), adopted_into=None,
            deferred_until=None, last_development=last(p_drugs), stale=True,
        ),
    ]

    commitments = [
        CommitmentStatus(
            commitment_id="sco-joint-action-extremism-2018", organization_id=SCO, body_id=SCO_PG,
            title="Consolidate efforts against extremism, terrorism, separatism, drug and human trafficking",
            text="The sides agreed to consolidate efforts against extremism, terrorism, separatism, drug "
                 "trafficking, human trafficking and the legalization of criminal proceeds.",
            parties=SCO_2018, origin=("meeting", f"{SCO_PG}/16"), topics=("terrorism", "extremism"),
            undertaken_on=d("2018-09-20"), status="undertaken", superseded_by=None, level="limited",
            party_levels={p: ("limited" if p == "KAZ" else "no_evidence") for p in SCO_2018},
            due_on=None, due_version=0, overdue=False, stale=False, last_development=last(c_joint),
            developments=count(c_joint),
        ),
        CommitmentStatus(
            commitment_id="sco-internet-terrorism-document-2018", organization_id=SCO, body_id=SCO_PG,
            title="Prepare a joint SCO legal document on combating terrorism in the Internet space",
            text="Kazakhstan's Prosecutor General proposed a joint SCO legal document.",
            parties=SCO_2018, origin=("proposal", "kaz-internet-terrorism-2018"), topics=("terrorism", "internet"),
            undertaken_on=d("2018-09-20"), status="undertaken", superseded_by=None, level="not_started",
            party_levels={p: "not_started" for p in SCO_2018},
            due_on=d("2025-12"), due_version=2, overdue=False, stale=False, last_development=last(c_net),
            developments=count(c_net),
        ),
        CommitmentStatus(
            commitment_id="sco-host-17th-meeting-2019", organization_id=SCO, body_id=SCO_PG,
            title="Hold the 17th meeting in Bishkek", text="Kyrgyzstan to host the 17th meeting in 2019.",
            parties=("KGZ",), origin=("meeting", f"{SCO_PG}/16"), topics=(),
            undertaken_on=d("2018-09-20"), status="fulfilled", superseded_by=None, level="complete",
            party_levels={"KGZ": "complete"}, due_on=d("2019"), due_version=1, overdue=False, stale=False,
            last_development=last(c_host), developments=count(c_host),
        ),
        CommitmentStatus(
            commitment_id="sco-protocol-cooperation-2024", organization_id=SCO, body_id=SCO_PG,
            title="Implement the protocol of the XXII meeting", text="Protocol of cooperation signed by all members.",
            parties=SCO_2024, origin=("document", "sco-prosecutors-protocol-2024"), topics=("cooperation",),
            undertaken_on=d("2024-07-25"), status="undertaken", superseded_by=None, level="limited",
            party_levels={p: "no_evidence" for p in SCO_2024},
            due_on=d("2024-12"), due_version=1, overdue=True, stale=False, last_development=last(c_prot),
            developments=count(c_prot),
        ),
        CommitmentStatus(
            commitment_id="ots-information-exchange-2024", organization_id=OTS, body_id=OTS_PG,
            title="Обмен информацией о трансграничной преступности (ОТГ / OTS)",  # noqa: RUF001
            text="Exchange of information on cross-border crime.",
            parties=OTS_MEMBERS, origin=("meeting", f"{OTS_PG}/3"), topics=("cooperation",),
            undertaken_on=d("2024-07-25"), status="undertaken", superseded_by=None, level="not_started",
            party_levels={p: "not_started" for p in OTS_MEMBERS},
            due_on=None, due_version=0, overdue=False, stale=True, last_development=last(c_ots),
            developments=count(c_ots),
        ),
    ]

    def signed(state: str, on: str) -> PartyDocumentStatus:
        return PartyDocumentStatus(state=state, signed_on=d(on), signed_by=None, consent=None, consent_on=None,
                                   status="signed", denounced_on=None, reservations=(), actions=(("signature", d(on)),))

    net_parties = [
        PartyDocumentStatus(state="KAZ", signed_on=d("2020-03-12"), signed_by="Kairat Kozhamzharov, Prosecutor General",
                            consent="ratification", consent_on=d("2021"), status="ratified", denounced_on=None,
                            reservations=(), actions=(("signature", d("2020-03-12")), ("ratification", d("2021")))),
        signed("KGZ", "2020-03-12"),
        PartyDocumentStatus(state="RUS", signed_on=d("2020-03-12"), signed_by=None, consent="approval",
                            consent_on=d("2021-06"), status="approved", denounced_on=None,
                            reservations=("Declaration on the competent authority",),
                            actions=(("signature", d("2020-03-12")), ("approval", d("2021-06")),
                                     ("declaration", d("2021-06")))),
        signed("TJK", "2020-03-12"),
        PartyDocumentStatus(state="UZB", signed_on=None, signed_by=None, consent="accession",
                            consent_on=d("2022-02-01"),
                            status="acceded", denounced_on=None, reservations=(),
                            actions=(("accession", d("2022-02-01")),)),
    ]
    documents = [
        DocumentStatus(
            document_id="sco-prosecutors-protocol-2024", organization_id=SCO, body_id=SCO_PG,
            meeting_id=f"{SCO_PG}/22", kind="protocol", title="Protocol of the XXII meeting of SCO Prosecutors General",
            drafted_on=d("2024-07-25"), parties=tuple(signed(s, "2024-07-25") for s in SCO_2024),
            in_force=True, in_force_on=d("2024-07-25"), in_force_for=(), last_development=last(doc_prot),
        ),
        DocumentStatus(
            document_id="sco-agreement-internet-terrorism", organization_id=SCO, body_id=SCO_PG, meeting_id=None,
            kind="agreement", title="Agreement on cooperation against terrorism in the Internet space",
            drafted_on=d("2019-10"), parties=tuple(net_parties), in_force=False, in_force_on=None, in_force_for=(),
            last_development=last(doc_net),
        ),
    ]

    def att(state: str) -> Attendance:
        return Attendance(state=state, person=None, office="Prosecutor General", level="head_of_agency")

    meetings = [
        MeetingStatus(meeting_id=f"{SCO_PG}/16", body_id=SCO_PG, organization_id=SCO, number=16, city="Dushanbe",
                      venue=None, host_state="TJK", starts_on=d("2018-09-20"), ends_on=None, format="in_person",
                      theme=None, status="held", held_on=d("2018-09-20"), attendees=tuple(att(s) for s in SCO_2018),
                      reschedule_count=0, last_development=last(m16)),
        MeetingStatus(meeting_id=f"{SCO_PG}/17", body_id=SCO_PG, organization_id=SCO, number=17, city="Bishkek",
                      venue=None, host_state="KGZ", starts_on=d("2019-10-01"), ends_on=None, format="in_person",
                      theme=None, status="held", held_on=d("2019-10-01"), attendees=(), reschedule_count=0,
                      last_development=last(m17)),
        MeetingStatus(meeting_id=f"{SCO_PG}/22", body_id=SCO_PG, organization_id=SCO, number=22, city="Bishkek",
                      venue="Ala-Archa state residence", host_state="KGZ", starts_on=d("2024-07-25"), ends_on=None,
                      format="in_person", theme=None, status="held", held_on=d("2024-07-25"),
                      attendees=tuple(att(s) for s in SCO_2024), reschedule_count=0, last_development=last(m22),
                      chaired_by="KGZ"),
        MeetingStatus(meeting_id=f"{SCO_PG}/23", body_id=SCO_PG, organization_id=SCO, number=23, city=None,
                      venue=None, host_state="PAK", starts_on=d("2025-09?"), ends_on=None, format="in_person",
                      theme=None, status="scheduled", held_on=None, attendees=(), reschedule_count=0,
                      last_development=last(m23)),
        MeetingStatus(meeting_id=f"{OTS_PG}/3", body_id=OTS_PG, organization_id=OTS, number=3, city="Bishkek",
                      venue="Ala-Archa state residence", host_state="KGZ", starts_on=d("2024-07-25"), ends_on=None,
                      format="in_person", theme=None, status="held", held_on=d("2024-07-25"),
                      attendees=tuple(att(s) for s in OTS_MEMBERS), reschedule_count=0, last_development=last(o3)),
    ]
    sco_terms = (
        ChairTerm(state="TJK", start=d("2018-09-20"), end=d("2019-10-01"), expected_state="TJK", deviation=False,
                  refs=(f"{m16}#2",)),
        ChairTerm(state="KGZ", start=d("2019-10-01"), end=d("2020"), expected_state="KGZ", deviation=False,
                  refs=(f"{m17}#1",)),
        ChairTerm(state="KGZ", start=d("2023-07"), end=d("2024-07-25"), expected_state="KGZ", deviation=False,
                  refs=()),
        ChairTerm(state="PAK", start=d("2024-07-25"), end=None, expected_state="PAK", deviation=False,
                  refs=(f"{b_sco}#5",)),
    )
    ots_terms = (
        ChairTerm(state="AZE", start=d("2022-11"), end=d("2023-11"), expected_state="AZE", deviation=False, refs=()),
        ChairTerm(state="KGZ", start=d("2023-11"), end=None, expected_state="KAZ", deviation=True,
                  refs=(f"{b_ots}#3",)),
    )
    deviation = "Kyrgyzstan took the chair (2023-11) where the rule expected Kazakhstan (body:" + OTS_PG + "#3)"
    presidencies = [
        PresidencyStatus(body_id=SCO_PG, organization_id=SCO, rule="host_of_next_meeting, per_meeting",
                         current=sco_terms[-1], terms=sco_terms, expected_next=None, upcoming=(), deviations=(),
                         gaps=("No chair recorded from 2020 to 2023-07",), chain_conflicts=()),
        PresidencyStatus(body_id=OTS_PG, organization_id=OTS, rule="alphabetical (en), annual",
                         current=ots_terms[-1], terms=ots_terms, expected_next="TUR",
                         upcoming=(("TUR", date(2025, 11, 1)), ("UZB", date(2026, 11, 1))),
                         deviations=(deviation if hostile is None else hostile,), gaps=(), chain_conflicts=()),
    ]
    review = [
        ReviewItem(kind="deviation", entity=b_ots, message=deviation, refs=(f"{b_ots}#3",)),
        ReviewItem(kind="gap", entity=b_sco, message="No chair recorded from 2020 to 2023-07"),
        ReviewItem(kind="date_conflict", entity=m22,
                   message="Kabar's article is undated; the date 2024-07-25 comes from Kazakhstan Today",
                   refs=(f"{m22}#2",)),
    ]
    changes = [
        StatusChange(entity=c_host, ref=f"{c_host}#2", occurred_on=d("2019-10-01"), recorded_at=at("2024-08-01 09:21"),
                     field="status", before="undertaken", after="fulfilled"),
        StatusChange(entity=b_sco, ref=f"{b_sco}#5", occurred_on=d("2024-07-25"), recorded_at=at("2024-08-01 10:06"),
                     field="chair", before="KGZ", after="PAK"),
        StatusChange(entity=c_net, ref=f"{c_net}#2", occurred_on=d("2024-07-25"), recorded_at=at("2025-02-10 08:00"),
                     field="due_on", before="2019", after="2025-12"),
        StatusChange(entity=c_ots, ref=f"{c_ots}#2", occurred_on=d("2025-01"), recorded_at=at("2025-02-11 08:00"),
                     field="level", before="no_evidence", after="not_started"),
        StatusChange(entity=c_prot, ref=f"{c_prot}#2", occurred_on=d("2024-12~"), recorded_at=at("2025-02-12 08:00"),
                     field="level", before="no_evidence", after="limited"),
    ]
    owners: dict[str, tuple[str, str | None]] = {b_sco: (SCO, SCO_PG), b_ots: (OTS, OTS_PG)}
    for c in commitments:
        owners[f"commitment:{c.commitment_id}"] = (c.organization_id, c.body_id)
    for doc in documents:
        owners[f"document:{doc.document_id}"] = (doc.organization_id, doc.body_id)
    for m in meetings:
        owners[f"meeting:{m.meeting_id}"] = (m.organization_id, m.body_id)
    for pr in proposals:
        owners[f"proposal:{pr.proposal_id}"] = (pr.organization_id, pr.body_id)
    assert all(x.entity in owners for x in devs), "every development must belong to a known entity"
    assert all(sc.ref in by_ref for sc in changes)

    if hostile is not None:
        evil_source = Source(publisher="Evil | Press", title=hostile, url="https://example.org/a?b=<c>&d=(e)")
        evil = dev("commitment:hostile", 1, "CommitmentUndertaken", "2024-07-25", "2024-08-01 11:00", hostile,
                   evil_source)
        devs.append(evil)
        owners["commitment:hostile"] = (SCO, SCO_PG)
        commitments.append(replace(commitments[0], commitment_id="hostile", title=hostile, last_development=evil,
                                   parties=("KAZ",), developments=1))
        meetings[2] = replace(meetings[2], venue=hostile)
        review.append(ReviewItem(kind="date_conflict", entity="commitment:hostile", message=hostile))

    names = [
        EntityNames("organization:sco", {"en": "Shanghai Cooperation Organisation",
                                         "ru": "Шанхайская организация сотрудничества"}, {"en": "SCO", "ru": "ШОС"}),
        EntityNames("organization:ots", {"en": "Organization of Turkic States"}, {"en": "OTS"}),
        EntityNames(b_sco, {"en": "Meeting of Prosecutors General of the SCO member states"}, {}, SCO),
        EntityNames(b_ots, {"en": "Council of General Prosecutors of the OTS"}, {}, OTS),
    ]
    return FakeReadModel(
        proposal_list=proposals, name_list=names,
        commitment_list=commitments, document_list=documents, meeting_list=meetings, presidency_list=presidencies,
        review_list=review, development_list=devs, change_list=changes, owners=owners,
    )


_STATES = ("undertaken", "undertaken", "undertaken", "fulfilled", "lapsed", "withdrawn", "superseded")
_LEVELS = ("no_evidence", "not_started", "limited", "substantial", "complete")
_TYPES = ("ProgressAssessed", "DeadlineChanged", "ProgressAssessed", "ProgressAssessed")


def _day(on: date) -> PartialDate:
    # Built directly: the EDTF parser would take most of a minute for 100,000 dates.
    return PartialDate(on.isoformat(), on, on, "day", uncertain=False, approximate=False)


def _month(on: date) -> PartialDate:
    last = (on.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return PartialDate(on.strftime("%Y-%m"), on.replace(day=1), last, "month", uncertain=False, approximate=False)


def synthetic_read_model(commitments: int = 10_000, developments_per_commitment: int = 10) -> FakeReadModel:
    """A deterministic scaled-up model: `commitments` commitments with that many developments each, on the demo."""
    model = demo_read_model()
    base = date(2015, 1, 1)
    sources = (BNEWS, ASIAPLUS, SCO_SECRETARIAT, KABAR, KT_KZ, SILKWAY)
    recorded = at("2024-08-01 09:00")
    for i in range(commitments):
        cid = f"synthetic-{i:06d}"
        entity = f"commitment:{cid}"
        org, body, parties = (SCO, SCO_PG, SCO_2018) if i % 3 else (OTS, OTS_PG, OTS_MEMBERS)
        start = base + timedelta(days=i % 3000)
        history = []
        for v in range(1, developments_per_commitment + 1):
            on = start + timedelta(days=37 * v)
            # Every 7th development is known only to the month: reports must keep precision apart.
            occurred = _month(on) if (i + v) % 7 == 0 else _day(on)
            history.append(DevelopmentSummary(
                ref=f"{entity}#{v}", type="CommitmentUndertaken" if v == 1 else _TYPES[(i + v) % len(_TYPES)],
                entity=entity, occurred_on=occurred, recorded_at=recorded + timedelta(seconds=i * 20 + v),
                summary=f"Development {v} of commitment {i}", sources=(sources[(i + v) % len(sources)],),
            ))
        model.development_list.extend(history)
        model.owners[entity] = (org, body)
        status = _STATES[i % len(_STATES)]
        model.commitment_list.append(CommitmentStatus(
            commitment_id=cid, organization_id=org, body_id=body, title=f"Synthetic commitment {i} — обязательство",
            text="Synthetic.", parties=parties, origin=None, topics=(), undertaken_on=_day(start),
            status=status,  # type: ignore[arg-type]
            superseded_by=None, level=_LEVELS[i % len(_LEVELS)],  # type: ignore[arg-type]
            party_levels={}, due_on=d(f"{2016 + i % 12}") if i % 2 else None, due_version=1,
            overdue=bool(i % 2) and status == "undertaken" and 2016 + i % 12 < 2025, stale=i % 5 == 0,
            last_development=history[-1], developments=len(history),
        ))
    return model
