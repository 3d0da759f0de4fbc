"""Unit tests of the presidency rotation engine (pure core: no database, no I/O but package data)."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.events import PartialDate, RotationRule, parse_partial_date
from tracker.events.vocabulary import ScheduledTerm
from tracker.projections.model import HandoverEntry as Handover
from tracker.projections.model import MembershipEntry, RuleEntry
from tracker.projections.model import OverrideEntry as Override
from tracker.projections.rotation import (
    ChainConflict,
    NamesTable,
    Presidency,
    ReferenceDataError,
    alphabetical_order,
    chair_on,
    collation_key,
    compute_presidency,
    load_names,
    order_names,
    reference_names,
)


def P(text: str) -> PartialDate:
    """A partial date from its EDTF text."""
    return parse_partial_date(text)


def MembershipChange(state: str, status: str, since: date) -> MembershipEntry:
    """A state's standing from a day."""
    return MembershipEntry(state, status, P(since.isoformat()), f"m-{state}-{since}")


def override(kind: str, states: tuple[str, ...], effective: date, reason: str) -> Override:
    """A recorded override."""
    return Override(P(effective.isoformat()), kind, states, reason, f"o-{kind}-{'-'.join(states)}")


def alpha(language: str, term: str, anchor: str | None = None, names: dict[str, str] | None = None) -> RotationRule:
    """An alphabetical rule as the events hold it."""
    return RotationRule.model_validate(
        {"kind": "alphabetical", "language": language, "term": term, "anchor": anchor, "names": names or {}}
    )


def fixed(*terms: tuple[str, str] | tuple[str, str, str]) -> RotationRule:
    """A fixed schedule of (state, start[, end]) terms."""
    return RotationRule(kind="fixed_schedule", schedule=tuple(
        ScheduledTerm.model_validate({"state": t[0], "start": t[1], "end": t[2] if len(t) > 2 else None})
        for t in terms
    ))


HOST_OF_NEXT_MEETING = RotationRule(kind="host_of_next_meeting")


@dataclass(frozen=True)
class Meeting:
    """A planned meeting as the read model gives it."""

    starts: date
    host_state: str
    meeting_id: str = "m"
    status: str = "scheduled"

    @property
    def starts_on(self) -> PartialDate:
        """Its first day."""
        return P(self.starts.isoformat())


SCO = load_names("sco")
OTS = load_names("ots")
SCO_MEMBERS = ("BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB")


def d(text: str) -> date:
    return date.fromisoformat(text)


def sco_membership() -> tuple[MembershipEntry, ...]:
    """The SCO's membership timeline (founders 2001, India/Pakistan 2017, Iran 2023, Belarus 2024)."""
    founders = [MembershipChange(s, "member", d("2001-06-15")) for s in ("CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB")]
    return (
        *founders,
        MembershipChange("IND", "observer", d("2005-07-05")),
        MembershipChange("PAK", "observer", d("2005-07-05")),
        MembershipChange("IND", "member", d("2017-06-09")),
        MembershipChange("PAK", "member", d("2017-06-09")),
        MembershipChange("IRN", "observer", d("2005-07-05")),
        MembershipChange("IRN", "member", d("2023-07-04")),
        MembershipChange("BLR", "dialogue_partner", d("2010-04-28")),
        MembershipChange("BLR", "observer", d("2015-07-10")),
        MembershipChange("BLR", "member", d("2024-07-04")),
    )


ALPHA_RU_PER_MEETING = alpha("ru", "per_meeting")
ALPHA_RU_ANNUAL = alpha("ru", "annual", "07-01")


def ho(when: str, from_state: str | None, to_state: str, ref: str, meeting_id: str | None = None) -> Handover:
    return Handover(P(when), from_state, to_state, meeting_id, ref)


def compute(
    handovers: list[Handover] | tuple[Handover, ...],
    as_of: str,
    *,
    rule: RotationRule = ALPHA_RU_PER_MEETING,
    rule_history: tuple[tuple[date, RotationRule], ...] | None = None,
    overrides: tuple[Override, ...] = (),
    membership: tuple[MembershipEntry, ...] | None = None,
    names: NamesTable = SCO,
    meetings: tuple[Meeting, ...] = (),
    horizon: int = 6,
) -> Presidency:
    history = rule_history if rule_history is not None else ((d("2001-06-15"), rule),)
    return compute_presidency(
        "sco-pg",
        rules=[RuleEntry(P(on.isoformat()), r, f"r{i}") for i, (on, r) in enumerate(history)],
        standings=membership if membership is not None else sco_membership(),
        names=names,
        overrides=overrides,
        handovers=tuple(handovers),
        as_of=d(as_of),
        meetings=meetings,
        horizon=horizon,
    )


def order_of(states: Iterable[str], table: NamesTable, language: str) -> tuple[str, ...]:
    """States in the order of a reference table's names (ISO's for states it lacks)."""
    states = tuple(states)
    return alphabetical_order(states, order_names(language, states, recorded={}, reference=table))


def upcoming_states(p: Presidency) -> list[str]:
    return [t.state for t in p.upcoming]


# --- Reference data and collation ------------------------------------------------------------


def test_sco_names_are_the_organisations_own_not_isos() -> None:
    assert SCO.name("ru", "KGZ") == "Кыргызстан"
    assert SCO.name("ru", "RUS") == "Россия"
    assert SCO.name("en", "KGZ") == "Kyrgyzstan"
    assert set(SCO.names["ru"]) == set(SCO_MEMBERS) == set(SCO.names["en"])


def test_ots_names_cover_members_and_observers_in_two_languages() -> None:
    assert set(OTS.languages) == {"en", "tr"}
    assert set(OTS.names["en"]) == {"AZE", "KAZ", "KGZ", "TUR", "UZB", "HUN", "TKM"}
    assert OTS.name("en", "TUR") == "Türkiye"
    assert OTS.name("tr", "KGZ") == "Kırgızistan"  # noqa: RUF001 - the Turkish dotless i is the point


def test_sco_russian_order_puts_kaz_chn_kgz_pak_rus_consecutively() -> None:
    order = order_of(SCO_MEMBERS, SCO, "ru")
    assert order == ("BLR", "IND", "IRN", "KAZ", "CHN", "KGZ", "PAK", "RUS", "TJK", "UZB")
    at = order.index("KAZ")
    assert order[at : at + 5] == ("KAZ", "CHN", "KGZ", "PAK", "RUS")


def test_iso_russian_names_would_give_a_different_order() -> None:
    # ISO's (pycountry's) Russian names: Kyrgyzstan is "Киргизия", which sorts before "Китай".
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    iso = NamesTable(
        "iso",
        {"ru": {code: ru.gettext(pycountry.countries.lookup(code).name) for code in SCO_MEMBERS}},
    )
    assert iso.name("ru", "KGZ") == "Киргизия"
    iso_order = order_of(SCO_MEMBERS, iso, "ru")
    sco_order = order_of(SCO_MEMBERS, SCO, "ru")
    assert iso_order.index("KGZ") < iso_order.index("CHN")
    assert sco_order.index("KGZ") > sco_order.index("CHN")
    assert iso_order != sco_order


def test_english_order_differs_from_russian_for_the_same_states() -> None:
    assert order_of(SCO_MEMBERS, SCO, "en")[:3] == ("BLR", "CHN", "IND")
    assert order_of(SCO_MEMBERS, SCO, "ru")[:3] == ("BLR", "IND", "IRN")


def test_russian_collation_files_yo_with_ie_and_ignores_case() -> None:
    words = ["Жук", "Ёлка", "ежевика", "Елка", "азия"]
    ordered = sorted(words, key=lambda w: collation_key(w, "ru"))
    assert ordered == ["азия", "ежевика", "Елка", "Ёлка", "Жук"]
    # Raw code points would put capital Ё (U+0401) before every other Cyrillic capital.
    assert sorted(words)[0] == "Ёлка"
    # Yo shares ie's primary weight: "Ёжик" files before "Ель" (not after every ie-word).
    assert sorted(["Ель", "Ёжик"], key=lambda w: collation_key(w, "ru")) == ["Ёжик", "Ель"]


def test_turkish_collation_uses_the_turkish_alphabet() -> None:
    order = order_of(OTS.names["tr"], OTS, "tr")
    assert order == ("AZE", "KAZ", "KGZ", "HUN", "UZB", "TUR", "TKM")
    # Code points would put Ö after T ("Özbekistan" last); the Turkish alphabet has ö after o.
    assert sorted(OTS.names["tr"].values())[-1] == "Özbekistan"
    # Turkish capital İ lower-cases to i, not to i + combining dot.
    assert collation_key("İran", "tr")[0] == collation_key("iran", "tr")[0]


def test_english_collation_ignores_diacritics() -> None:
    assert collation_key("Türkiye", "en")[0] == collation_key("Turkiye", "en")[0]
    assert order_of(["TUR", "TKM"], OTS, "en") == ("TUR", "TKM")


def test_an_unknown_collation_language_sorts_by_letter_and_says_so() -> None:
    assert collation_key("Zambia", "xx") > collation_key("Angola", "xx")
    assert collation_key("Éire", "xx")[0] == collation_key("Eire", "xx")[0]
    p = compute([ho("2024-07-05", None, "KAZ", "e0")], "2024-08-01",
                rule=alpha("kk", "per_meeting"))
    assert {problem.kind for problem in p.problems} == {"collation_fallback", "names_fallback"}


def test_load_names_refuses_unknown_and_unsafe_orgs() -> None:
    with pytest.raises(ReferenceDataError, match=r"no reference names for 'nato'"):
        load_names("nato")
    with pytest.raises(ReferenceDataError, match=r"no reference names for '../sco'"):
        load_names("../sco")
    assert reference_names("nato") is None


def test_every_reference_table_cites_its_sources_and_uses_real_codes() -> None:
    for org in ("sco", "ots", "asean", "un"):
        table = load_names(org)
        assert table.sources, org
        for language in table.languages:
            assert all(pycountry.countries.get(alpha_3=code) for code in table.names[language]), (org, language)
    assert load_names("un").name("en", "KOR") == "Republic of Korea"
    assert load_names("asean").name("en", "LAO") == "Lao PDR"
    assert SCO.name("ru", "MNG") is None


def test_a_member_without_a_name_is_named_by_iso_and_the_answer_says_so() -> None:
    membership = (*sco_membership(), MembershipChange("MNG", "member", d("2024-01-01")))
    p = compute([ho("2024-07-05", None, "KAZ", "e0")], "2024-08-01", membership=membership, horizon=12)
    # ISO's Russian name "Монголия" files Mongolia between Kyrgyzstan and Pakistan.
    assert upcoming_states(p)[:3] == ["CHN", "KGZ", "MNG"]
    (problem,) = p.problems
    assert problem.kind == "names_fallback" and "MNG" in problem.message and "Монголия" in problem.message


def test_names_recorded_in_the_rule_come_before_the_reference_table() -> None:
    # A rule that names Kyrgyzstan as ISO does ("Киргизия") moves it before China.
    rule = alpha("ru", "per_meeting", names={"KGZ": "Киргизия"})
    p = compute([ho("2024-07-05", None, "KAZ", "e0")], "2024-08-01", rule=rule)
    assert upcoming_states(p)[:2] == ["KGZ", "CHN"] and p.problems == ()


# --- Input validation ----------------------------------------------------------------------


def test_of_two_rules_taking_effect_on_one_day_the_later_given_governs() -> None:
    p = compute([ho("2024-07-05", None, "KAZ", "e0")], "2024-08-01",
                rule_history=((d("2020-01-01"), ALPHA_RU_ANNUAL), (d("2020-01-01"), HOST_OF_NEXT_MEETING)))
    assert p.upcoming == ()


# --- Rotation by the alphabetical rule -------------------------------------------------------


def test_after_kgz_comes_pak_at_the_bishkek_prosecutors_general_meeting() -> None:
    handovers = [
        ho("2023", None, "KGZ", "e-kgz-since-2023"),
        ho("2024-07-25", "KGZ", "PAK", "e-xxii-bishkek", meeting_id="sco-pg-xxii"),
    ]
    before = compute(handovers, "2024-07-24")
    assert before.current is not None and before.current.state == "KGZ"
    assert before.expected_next is not None and before.expected_next.state == "PAK"

    after = compute(handovers, "2024-07-25")
    assert after.current is not None
    assert (after.current.state, after.current.start.earliest) == ("PAK", d("2024-07-25"))
    assert after.current.expected_state == "PAK" and not after.current.deviates
    assert after.current.event_refs == ("e-xxii-bishkek",)
    assert after.deviations == () and after.chain_conflicts == ()
    assert after.expected_next is not None and after.expected_next.state == "RUS"
    assert upcoming_states(after)[:3] == ["RUS", "TJK", "UZB"]


def test_first_term_has_no_expectation_without_a_known_predecessor() -> None:
    p = compute([ho("2023-01-01", None, "KGZ", "e1")], "2023-06-01")
    assert p.terms[0].expected_state is None and not p.terms[0].deviates


def test_from_state_of_the_first_record_seeds_the_cycle() -> None:
    p = compute([ho("2024-07-25", "KGZ", "RUS", "e1")], "2024-08-01")
    assert p.terms[0].expected_state == "PAK"
    assert [(dv.expected_state, dv.actual_state, dv.outgoing_state) for dv in p.deviations] == [("PAK", "RUS", "KGZ")]


def test_states_join_the_cycle_only_once_members() -> None:
    # Before India and Pakistan joined (2017-06-09), KGZ was followed by RUS.
    early = compute([ho("2016-06-24", "KGZ", "RUS", "e2016")], "2016-07-01")
    assert early.terms[0].expected_state == "RUS" and early.deviations == ()
    later = compute([ho("2018-06-10", "KGZ", "RUS", "e2018")], "2018-07-01")
    assert later.terms[0].expected_state == "PAK"
    assert later.deviations[0].expected_state == "PAK"


def test_iran_is_eligible_only_for_terms_starting_after_its_accession() -> None:
    # New Delhi, 2023-07-04: Iran admitted at the very summit where India handed over to
    # Kazakhstan, so Kazakhstan (not Iran) was next.
    on_the_day = compute([ho("2023-07-04", "IND", "KAZ", "e-new-delhi")], "2023-07-10")
    assert on_the_day.terms[0].expected_state == "KAZ" and on_the_day.deviations == ()
    # The same handover a month later would have passed over Iran.
    later = compute([ho("2023-08-04", "IND", "KAZ", "e-later")], "2023-08-10")
    assert [(dv.expected_state, dv.actual_state, dv.event_ref) for dv in later.deviations] == [
        ("IRN", "KAZ", "e-later")
    ]
    # As seen the day before the accession, an India-held chair goes next to Kazakhstan.
    eve = compute([ho("2022-09-16", "UZB", "IND", "e-samarkand")], "2023-07-03")
    assert eve.expected_next is not None and eve.expected_next.state == "KAZ"
    after = compute([ho("2022-09-16", "UZB", "IND", "e-samarkand")], "2023-07-04")
    assert after.expected_next is not None and after.expected_next.state == "IRN"


def test_belarus_is_eligible_only_for_terms_starting_after_its_accession() -> None:
    on_the_day = compute([ho("2024-07-04", "UZB", "IND", "e1")], "2024-07-10")
    assert on_the_day.terms[0].expected_state == "IND"
    later = compute([ho("2024-07-05", "UZB", "IND", "e2")], "2024-07-10")
    assert later.terms[0].expected_state == "BLR" and later.terms[0].deviates
    assert later.deviations[0].expected_state == "BLR"


def test_withdrawn_member_is_no_longer_eligible() -> None:
    membership = (*sco_membership(), MembershipChange("PAK", "withdrawn", d("2025-01-01")))
    p = compute([ho("2025-03-01", "CHN", "KGZ", "e1")], "2025-03-02", membership=membership)
    assert p.expected_next is not None and p.expected_next.state == "RUS"


def test_a_deviation_names_who_was_expected_and_the_cycle_resynchronises() -> None:
    handovers = [ho("2024-07-04", "KAZ", "CHN", "e1"), ho("2025-09-01", "CHN", "PAK", "e2")]
    p = compute(handovers, "2025-10-01")
    assert [t.state for t in p.terms] == ["CHN", "PAK"]
    assert p.terms[1].expected_state == "KGZ" and p.terms[1].deviates
    (dev,) = p.deviations
    assert (dev.event_ref, dev.outgoing_state, dev.expected_state, dev.actual_state) == ("e2", "CHN", "KGZ", "PAK")
    assert dev.when == P("2025-09-01") and dev.kind == "out_of_turn"
    assert "after CHN" in dev.basis
    # Read as an exchange until shown otherwise: Kyrgyzstan is owed Pakistan's turn.
    assert p.expected_next is not None and p.expected_next.state == "KGZ"
    # It takes it: one swap, reported once, naming both states and both terms.
    swapped = compute([*handovers, ho("2026-09-01", "PAK", "KGZ", "e3")], "2026-10-01")
    (swap,) = swapped.deviations
    assert (swap.kind, swap.event_ref, swap.swap_ref) == ("swap", "e2", "e3")
    assert "PAK and KGZ exchanged turns" in swap.describe()
    assert swapped.expected_next is not None and swapped.expected_next.state == "RUS"
    # Russia comes instead: the cycle moved on without Kyrgyzstan, still one deviation.
    moved_on = compute([*handovers, ho("2026-09-01", "PAK", "RUS", "e3")], "2026-10-01")
    (skipped,) = moved_on.deviations
    assert skipped.kind == "skipped" and not moved_on.terms[-1].deviates
    assert moved_on.expected_next is not None and moved_on.expected_next.state == "TJK"


def test_sco_summits_2007_2009_tajikistan_and_russia_exchanged_turns() -> None:
    # Councils of Heads of State: Shanghai 2006-06-15, Bishkek 2007-08-16, Dushanbe
    # 2008-08-28, Yekaterinburg 2009-06-16, Tashkent 2010-06-11, Astana 2011-06-15
    # (Russian order: Казахстан, Китай, Кыргызстан, Россия, Таджикистан, Узбекистан).
    # Source: the SCO Secretariat's list of summits, sectsco.org ("Заседания СГГ").
    summits = [("2006-06-15", "CHN"), ("2007-08-16", "KGZ"), ("2008-08-28", "TJK"), ("2009-06-16", "RUS"),
               ("2010-06-11", "UZB"), ("2011-06-15", "KAZ")]
    handovers = [ho(day, None if i == 0 else summits[i - 1][1], state, f"chs-{day[:4]}")
                 for i, (day, state) in enumerate(summits)]
    p = compute(handovers, "2011-07-01")
    (dev,) = p.deviations
    assert (dev.kind, dev.actual_state, dev.expected_state, dev.event_ref, dev.swap_ref) == (
        "swap", "TJK", "RUS", "chs-2008", "chs-2009")
    assert p.expected_next is not None and p.expected_next.state == "CHN"


def test_a_state_keeping_the_chair_is_a_new_term_judged_by_the_rule() -> None:
    p = compute([ho("2023-07-04", "IND", "KAZ", "e1"), ho("2024-07-04", "KAZ", "KAZ", "e2")], "2024-08-01")
    assert [t.state for t in p.terms] == ["KAZ", "KAZ"]
    (dev,) = p.deviations
    assert (dev.kind, dev.expected_state) == ("kept", "CHN") and "kept the chair" in dev.describe()
    assert p.expected_next is not None and p.expected_next.state == "CHN"


# --- Overrides -------------------------------------------------------------------------------


def seated_kaz() -> list[Handover]:
    return [ho("2023-07-04", "IND", "KAZ", "e-kaz")]


def test_no_override_baseline_cycle_from_kazakhstan() -> None:
    p = compute(seated_kaz(), "2024-01-01", horizon=10)
    assert upcoming_states(p) == ["CHN", "KGZ", "PAK", "RUS", "TJK", "UZB", "IND", "IRN", "KAZ", "CHN"]


def test_skip_drops_a_states_next_turn_only() -> None:
    skip = override("skip", ("CHN",), d("2024-01-01"), "declined for domestic reasons")
    p = compute(seated_kaz(), "2024-01-01", overrides=(skip,), horizon=10)
    assert upcoming_states(p) == ["KGZ", "PAK", "RUS", "TJK", "UZB", "IND", "IRN", "KAZ", "CHN", "KGZ"]
    assert any("skip CHN" in note for note in p.upcoming[0].overrides)


def test_defer_pushes_a_turn_back_one_place() -> None:
    defer = override("defer", ("CHN",), d("2024-01-01"), "hosting conflict")
    p = compute(seated_kaz(), "2024-01-01", overrides=(defer,), horizon=6)
    assert upcoming_states(p) == ["KGZ", "CHN", "PAK", "RUS", "TJK", "UZB"]


def test_swap_exchanges_two_states_next_turns_once() -> None:
    swap = override("swap", ("CHN", "RUS"), d("2024-01-01"), "agreed exchange")
    p = compute(seated_kaz(), "2024-01-01", overrides=(swap,), horizon=14)
    assert upcoming_states(p) == [
        "RUS", "KGZ", "PAK", "CHN", "TJK", "UZB", "IND", "IRN", "KAZ",
        "CHN", "KGZ", "PAK", "RUS", "TJK",
    ]  # fmt: skip


def test_swap_of_neighbours() -> None:
    swap = override("swap", ("KGZ", "CHN"), d("2024-01-01"), "agreed exchange")
    p = compute(seated_kaz(), "2024-01-01", overrides=(swap,), horizon=4)
    assert upcoming_states(p) == ["KGZ", "CHN", "PAK", "RUS"]


def test_override_applies_only_from_its_effective_date() -> None:
    handovers = [ho("2023-07-01", "IND", "KAZ", "e-kaz")]
    skip_late = override("skip", ("CHN",), d("2025-01-01"), "decided for a later round")
    p = compute(handovers, "2024-01-01", rule=ALPHA_RU_ANNUAL, overrides=(skip_late,), horizon=2)
    # The next term starts 2024-07-01, before the skip takes effect.
    assert [(t.state, t.start) for t in p.upcoming] == [("CHN", d("2024-07-01")), ("KGZ", d("2025-07-01"))]


def test_recorded_handover_honouring_a_skip_is_not_a_deviation() -> None:
    skip = override("skip", ("CHN",), d("2024-01-01"), "declined")
    handovers = [*seated_kaz(), ho("2024-07-04", "KAZ", "KGZ", "e-kgz")]
    with_skip = compute(handovers, "2024-08-01", overrides=(skip,))
    assert with_skip.deviations == () and with_skip.terms[-1].expected_state == "KGZ"
    assert with_skip.expected_next is not None and with_skip.expected_next.state == "PAK"
    without = compute(handovers, "2024-08-01")
    assert [dv.expected_state for dv in without.deviations] == ["CHN"]


def test_recorded_deferral_is_owed_back_and_the_cycle_resumes_after_the_stand_in() -> None:
    defer = override("defer", ("CHN",), d("2024-01-01"), "hosting conflict")
    handovers = [*seated_kaz(), ho("2024-07-04", "KAZ", "KGZ", "e-kgz"), ho("2025-07-04", "KGZ", "CHN", "e-chn")]
    p = compute(handovers, "2025-08-01", overrides=(defer,))
    assert p.deviations == ()
    assert [t.expected_state for t in p.terms] == ["KAZ", "KGZ", "CHN"]
    assert p.expected_next is not None and p.expected_next.state == "PAK"


def test_handover_ignoring_a_skip_deviates_and_names_the_expected_state() -> None:
    skip = override("skip", ("CHN",), d("2024-01-01"), "declined")
    p = compute([*seated_kaz(), ho("2024-07-04", "KAZ", "CHN", "e-chn")], "2024-08-01", overrides=(skip,))
    assert [(dv.expected_state, dv.actual_state) for dv in p.deviations] == [("KGZ", "CHN")]
    assert "skip CHN" in p.deviations[0].basis


# --- Gaps, chain conflicts, precision ---------------------------------------------------------


def test_gap_detected_for_a_missing_annual_handover() -> None:
    handovers = [ho("2021-06-15", "UZB", "IND", "e2021"), ho("2023-07-04", "IND", "KAZ", "e2023")]
    p = compute(handovers, "2023-08-01", rule=ALPHA_RU_ANNUAL)
    assert [(g.start, g.end, g.chair_of_record, g.expected_state) for g in p.gaps] == [
        (d("2022-07-01"), d("2023-07-01"), "IND", "KAZ")
    ]


def test_overdue_annual_handover_is_a_gap_and_upcoming_starts_at_the_boundary() -> None:
    p = compute([ho("2023-07-04", "IND", "KAZ", "e2023")], "2024-08-01", rule=ALPHA_RU_ANNUAL)
    assert [(g.start, g.expected_state) for g in p.gaps] == [(d("2024-07-01"), "CHN")]
    assert p.expected_next is not None
    assert (p.expected_next.state, p.expected_next.start) == ("CHN", d("2024-07-01"))
    # Not yet due: no gap.
    assert compute([ho("2023-07-04", "IND", "KAZ", "e2023")], "2024-06-30", rule=ALPHA_RU_ANNUAL).gaps == ()


def test_no_gap_when_every_annual_boundary_has_a_handover_even_slightly_off_date() -> None:
    handovers = [
        ho("2021-06-15", "UZB", "IND", "e2021"),
        ho("2022-09-16", "IND", "UZB", "e2022"),  # late and off-cycle, but a handover all the same
        ho("2023-06-20", "UZB", "KAZ", "e2023"),
    ]
    assert compute(handovers, "2023-08-01", rule=ALPHA_RU_ANNUAL).gaps == ()


def test_imprecise_handover_never_produces_a_false_gap() -> None:
    handovers = [ho("2021-06-15", "UZB", "IND", "e2021"), ho("2022", "IND", "UZB", "e2022")]
    assert compute(handovers, "2022-12-31", rule=ALPHA_RU_ANNUAL).gaps == ()


def test_gaps_for_monthly_terms() -> None:
    rule = alpha("en", "monthly")
    handovers = [ho("2024-01-01", None, "CHN", "e1"), ho("2024-02-01", "CHN", "IND", "e2")]
    p = compute(handovers, "2024-04-10", rule=rule)
    assert [(g.start, g.end, g.expected_state) for g in p.gaps] == [
        (d("2024-03-01"), d("2024-04-01"), "IRN"),
        (d("2024-04-01"), d("2024-05-01"), "IRN"),
    ]
    assert [t.start for t in p.upcoming[:2]] == [d("2024-03-01"), d("2024-04-01")]


def test_per_meeting_terms_have_no_gaps() -> None:
    p = compute([ho("2020-01-01", None, "KGZ", "e1")], "2024-12-31")
    assert p.gaps == ()


def test_chain_conflict_is_reported_but_the_handover_still_counts() -> None:
    handovers = [ho("2023-07-04", "IND", "KAZ", "e1"), ho("2024-07-04", "KGZ", "CHN", "e2")]
    p = compute(handovers, "2024-08-01")
    assert p.chain_conflicts == (ChainConflict("e2", P("2024-07-04"), "KGZ", "KAZ"),)
    assert p.current is not None and p.current.state == "CHN"
    # The expectation follows the chair of record (KAZ), so CHN is as expected.
    assert p.deviations == ()


def test_month_precision_is_carried_into_since() -> None:
    p = compute([ho("2024-07", "KGZ", "PAK", "e1")], "2024-07-01")
    assert p.current is not None
    assert p.current.start.precision == "month"
    assert p.current.start.describe() == "2024-07, month precision"
    assert p.current.start.text == "2024-07"


def test_year_precision_and_approximation_are_carried_into_since() -> None:
    p = compute([ho("2019~", None, "KGZ", "e1")], "2020-01-01")
    assert p.current is not None
    assert p.current.start.text == "2019~"
    assert p.current.start.describe() == "2019, year precision, approximate"


def test_only_handovers_whose_earliest_day_is_on_or_before_as_of_count() -> None:
    handovers = [ho("2023-07-04", "IND", "KAZ", "e1"), ho("2024-07", "KAZ", "CHN", "e2")]
    assert compute(handovers, "2024-06-30").current.state == "KAZ"  # type: ignore[union-attr]
    assert compute(handovers, "2024-07-01").current.state == "CHN"  # type: ignore[union-attr]


def test_corroborating_record_joins_the_term_and_narrows_its_start() -> None:
    handovers = [
        ho("2023-07-04", "IND", "KAZ", "e1"),
        ho("2024-07", "KAZ", "CHN", "e-tass"),
        ho("2024-07-04", "KAZ", "CHN", "e-xinhua"),
    ]
    p = compute(handovers, "2024-08-01")
    assert [t.state for t in p.terms] == ["KAZ", "CHN"]
    assert p.terms[1].event_refs == ("e-tass", "e-xinhua")
    assert p.terms[1].start == P("2024-07-04")
    assert p.terms[0].end == P("2024-07")


def test_terms_are_ordered_by_world_time_not_input_order() -> None:
    in_order = [
        ho("2022-09-16", "UZB", "IND", "a"),
        ho("2023-07-04", "IND", "KAZ", "b"),
        ho("2024-07-04", "KAZ", "CHN", "c"),
    ]
    backfilled = [in_order[2], in_order[0], in_order[1]]
    assert compute(backfilled, "2024-08-01") == compute(in_order, "2024-08-01")
    assert [t.event_refs for t in compute(backfilled, "2024-08-01").terms] == [("a",), ("b",), ("c",)]


def test_same_day_records_keep_the_order_given() -> None:
    first = [ho("2024-07-04", None, "KAZ", "x"), ho("2024-07-04", "KAZ", "CHN", "y")]
    p = compute(first, "2024-08-01")
    assert [t.state for t in p.terms] == ["KAZ", "CHN"]
    p2 = compute(list(reversed(first)), "2024-08-01")
    assert [t.state for t in p2.terms] == ["CHN", "KAZ"]


# --- Other rule kinds and rule changes -------------------------------------------------------


SCHEDULE = fixed(
    ("KAZ", "2024-01-01", "2024-12-31"), ("UZB", "2025-01-01", "2025-12-31"), ("TJK", "2026-01-01", "2026-12-31")
)


def test_fixed_schedule_expectations_and_upcoming() -> None:
    handovers = [ho("2024-01-01", None, "KAZ", "e1"), ho("2024-12-28", "KAZ", "TJK", "e2")]
    p = compute(handovers, "2025-02-01", rule=SCHEDULE)
    assert [t.expected_state for t in p.terms] == ["KAZ", "UZB"]
    assert [(dv.expected_state, dv.actual_state) for dv in p.deviations] == [("UZB", "TJK")]
    # The current term (begun near the 2025-01-01 slot) is followed by the 2026 slot.
    assert [(t.state, t.start) for t in p.upcoming] == [("TJK", d("2026-01-01"))]


def test_a_later_rule_version_amends_a_fixed_schedule() -> None:
    amended = fixed(("TJK", "2025-01-01"), ("UZB", "2026-01-01"))
    history = ((d("2023-01-01"), SCHEDULE), (d("2024-06-01"), amended))
    p = compute([ho("2024-01-01", None, "KAZ", "e1"), ho("2024-12-28", "KAZ", "TJK", "e2")], "2025-02-01",
                rule_history=history)
    assert p.deviations == ()
    assert [(t.state, t.start) for t in p.upcoming] == [("UZB", d("2026-01-01"))]


def test_upcoming_switches_to_a_rule_taking_effect_in_the_future() -> None:
    history = (
        (d("2001-06-15"), ALPHA_RU_ANNUAL),
        (d("2026-01-01"), fixed(("UZB", "2027-03-01"))),
    )
    p = compute([ho("2024-07-04", "KAZ", "CHN", "e1")], "2024-08-01", rule_history=history)
    assert [(t.state, t.start) for t in p.upcoming] == [("KGZ", d("2025-07-01")), ("UZB", d("2027-03-01"))]


def test_host_of_next_meeting_expects_the_next_scheduled_host() -> None:
    ots_members = tuple(MembershipChange(s, "member", d("2009-10-03")) for s in ("AZE", "KAZ", "KGZ", "TUR"))
    membership = (*ots_members, MembershipChange("UZB", "member", d("2019-10-15")))
    rule = HOST_OF_NEXT_MEETING
    handovers = [ho("2024-11-06", "KAZ", "KGZ", "e-bishkek"), ho("2025-10-07", "KGZ", "AZE", "e-gabala")]
    meetings = (
        Meeting(d("2026-03-01"), "AZE"),  # an informal meeting the chair hosts itself
        Meeting(d("2026-10-01"), "TUR"),
        Meeting(d("2027-10-01"), "UZB"),
    )
    p = compute(handovers, "2025-12-01", rule=rule, membership=membership, names=OTS, meetings=meetings)
    assert p.deviations == () and all(t.expected_state is None for t in p.terms)
    assert p.expected_next is not None and p.expected_next.state == "TUR"
    assert p.expected_next.start is None and "2026-10-01" in p.expected_next.basis
    assert upcoming_states(p) == ["TUR", "UZB"]
    no_meetings = compute(handovers, "2025-12-01", rule=rule, membership=membership, names=OTS)
    assert no_meetings.expected_next is None and no_meetings.upcoming == ()


def test_per_meeting_upcoming_starts_come_from_scheduled_meetings() -> None:
    meetings = (Meeting(d("2025-06-10"), "PAK"), Meeting(d("2026-06-10"), "RUS"))
    p = compute([ho("2024-07-25", "KGZ", "PAK", "e1")], "2024-08-01", meetings=meetings, horizon=3)
    # Past the last scheduled meeting the order is still known, the dates are not.
    assert [(t.state, t.start) for t in p.upcoming] == [
        ("RUS", d("2025-06-10")),
        ("TJK", d("2026-06-10")),
        ("UZB", None),
    ]


def test_annual_upcoming_starts_follow_the_anchor() -> None:
    p = compute([ho("2024-07-04", "KAZ", "CHN", "e1")], "2024-08-01", rule=ALPHA_RU_ANNUAL, horizon=3)
    assert [(t.state, t.start) for t in p.upcoming] == [
        ("KGZ", d("2025-07-01")), ("PAK", d("2026-07-01")), ("RUS", d("2027-07-01"))
    ]


def test_no_handovers_means_no_terms_and_no_alphabetical_expectation() -> None:
    p = compute([], "2024-01-01")
    assert (p.terms, p.current, p.expected_next, p.gaps) == ((), None, None, ())


# --- chair_on ----------------------------------------------------------------------------------


def test_chair_on_answers_from_a_presidency() -> None:
    handovers = (ho("2023-07-04", "IND", "KAZ", "e1"), ho("2024-07", "KAZ", "CHN", "e2"))
    p = compute(handovers, "2024-12-31")
    assert chair_on(p, d("2023-07-03")) is None
    assert chair_on(p, d("2024-06-30")).state == "KAZ"  # type: ignore[union-attr]
    assert chair_on(p, d("2024-07-01")).state == "CHN"  # type: ignore[union-attr]
    # Past the presidency's as_of nothing is known: no answer rather than a guess.
    assert chair_on(p, d("2025-01-01")) is None


# --- Properties -------------------------------------------------------------------------------

STATES = st.sampled_from(("KAZ", "CHN", "KGZ", "PAK", "RUS", "TJK", "UZB", "IND"))


@st.composite
def handover_histories(draw: st.DrawFn) -> list[Handover]:
    """Handovers on distinct days (ties are ordered by input by design), some imprecise."""
    offsets = draw(st.lists(st.integers(0, 3000), min_size=1, max_size=12, unique=True))
    out = []
    for i, offset in enumerate(sorted(offsets)):
        day = d("2017-07-01") + timedelta(days=offset)
        if draw(st.booleans()):
            when = P(day.isoformat())
        else:
            latest = day + timedelta(days=draw(st.integers(0, 40)))
            when = PartialDate(f"{day}/{latest}", day, latest, "month", False, False)
        out.append(Handover(when, draw(st.none() | STATES), draw(STATES), None, f"e{i}"))
    return out


@settings(max_examples=80, deadline=None)
@given(history=handover_histories(), data=st.data(), rule=st.sampled_from([ALPHA_RU_ANNUAL, ALPHA_RU_PER_MEETING]))
def test_shuffling_input_handovers_does_not_change_the_output(
    history: list[Handover], data: st.DataObject, rule: RotationRule
) -> None:
    shuffled = data.draw(st.permutations(history))
    skip = override("skip", ("RUS",), d("2019-01-01"), "r")
    assert compute(shuffled, "2026-01-01", rule=rule, overrides=(skip,)) == compute(
        history, "2026-01-01", rule=rule, overrides=(skip,)
    )


@settings(max_examples=80, deadline=None)
@given(history=handover_histories())
def test_terms_are_contiguous_and_every_record_is_accounted_for(history: list[Handover]) -> None:
    p = compute(history, "2026-01-01", rule=ALPHA_RU_ANNUAL)
    for earlier, later in zip(p.terms, p.terms[1:], strict=False):
        # A term ends when the next begins (a corroborating record may narrow that start).
        assert earlier.end is not None
        assert earlier.end.earliest <= later.start.earliest and later.start.latest <= earlier.end.latest
        kept = any(h.ref == later.event_refs[0] and h.from_state == h.to_state for h in history)
        assert earlier.state != later.state or kept
    assert p.current == (p.terms[-1] if p.terms else None)
    refs = [r for t in p.terms for r in t.event_refs]
    assert sorted(refs) == sorted(h.ref for h in history)
    assert [dv.event_ref for dv in p.deviations] == [t.event_refs[0] for t in p.terms if t.deviates]


@settings(max_examples=60, deadline=None)
@given(chair=st.sampled_from(SCO_MEMBERS), as_of=st.dates(d("2024-07-05"), d("2030-12-31")))
def test_one_round_of_upcoming_visits_every_eligible_member_once(chair: str, as_of: date) -> None:
    p = compute([ho("2024-07-05", None, chair, "e0")], as_of.isoformat(), horizon=len(SCO_MEMBERS))
    states = upcoming_states(p)
    assert sorted(states) == sorted(SCO_MEMBERS)
    assert states[-1] == chair
    order = order_of(SCO_MEMBERS, SCO, "ru")
    at = order.index(chair)
    assert tuple(states) == order[at + 1 :] + order[: at + 1]


# --- Overrides meeting in one term ------------------------------------------------------------

FOUNDERS = ("CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB")


@st.composite
def override_sets(draw: st.DrawFn, chair: str) -> tuple[Override, ...]:
    """Up to three one-off overrides naming different states, none the sitting chair.

    Combinations that name one state several times, the sitting chair, or a term are in
    tests/unit/test_override_combinations.py.
    """
    free = [s for s in FOUNDERS if s != chair]
    shuffled = draw(st.permutations(free))
    out, used = [], 0
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["skip", "defer", "swap"]))
        width = 2 if kind == "swap" else 1
        if used + width > len(shuffled):
            break
        states = tuple(shuffled[used : used + width])
        used += width
        out.append(override(kind, states, d("2014-01-01") + timedelta(days=i), "r"))
    return tuple(out)


def test_a_skip_and_a_deferral_of_one_state_meeting_in_one_term_are_one_decision() -> None:
    founders_only = tuple(MembershipChange(s, "member", d("2001-06-15")) for s in FOUNDERS)
    met = (override("skip", ("RUS",), d("2014-01-01"), "declined"), override("defer", ("RUS",), d("2014-01-02"), "r"),
           override("skip", ("RUS",), d("2014-01-03"), "the same decision, reported again"))
    p = compute([ho("2013-09-13", None, "KGZ", "e0")], "2014-06-01", overrides=met, membership=founders_only,
                horizon=12)
    # The first-decided skip governs this round; the rest are spent with it, so Russia's
    # next round is the rule's again (no deferred turn or second skip firing later).
    assert upcoming_states(p) == ["TJK", "UZB", "KAZ", "CHN", "KGZ", "RUS", "TJK", "UZB", "KAZ", "CHN", "KGZ", "RUS"]
    assert any("also met in this term, spent: defer RUS" in note for note in p.upcoming[0].overrides)


def test_a_swap_with_the_sitting_chair_cannot_make_it_chair_twice_running() -> None:
    founders_only = tuple(MembershipChange(s, "member", d("2001-06-15")) for s in FOUNDERS)
    swap = (override("swap", ("CHN", "KAZ"), d("2014-01-01"), "agreed exchange"),)
    p = compute([ho("2013-09-13", None, "KAZ", "e0")], "2014-06-01", overrides=swap, membership=founders_only)
    assert upcoming_states(p)[0] == "CHN"


@settings(max_examples=120, deadline=None)
@given(data=st.data(), chair=st.sampled_from(FOUNDERS))
def test_overrides_combined_at_random_resolve_consistently(data: st.DataObject, chair: str) -> None:
    overrides = data.draw(override_sets(chair))
    founders_only = tuple(MembershipChange(s, "member", d("2001-06-15")) for s in FOUNDERS)
    n = len(FOUNDERS)
    p = compute([ho("2013-09-13", None, chair, "e0")], "2014-06-01", overrides=overrides,
                membership=founders_only, horizon=3 * n)
    states = upcoming_states(p)
    assert len(states) == 3 * n
    # No one chairs twice running, and no turn is lost for good: in any 2n terms every state chairs.
    assert all(a != b for a, b in zip([chair, *states], states, strict=False))
    for start in range(n):
        assert set(states[start : start + 2 * n]) == set(FOUNDERS)
    # Once the overrides are used up the cycle is the rule's again: the last round is in order.
    order = order_of(FOUNDERS, SCO, "ru")
    last = states[-n:]
    at = order.index(last[0])
    assert tuple(last) == order[at:] + order[:at]
