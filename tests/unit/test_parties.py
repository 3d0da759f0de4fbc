"""Party identifiers: a state's code or a recorded organization's `org:<id>`, never confused."""

from __future__ import annotations

import pytest

from tracker.errors import InvalidInput
from tracker.events import normalize_party, party_entity, party_name, party_organization
from tracker.web.common import CommitmentFilter


@pytest.mark.parametrize(("spelling", "stored"), [
    ("KAZ", "KAZ"), ("Kyrgyz Republic", "KGZ"), ("org:eu", "org:eu"), ("ORG:EU", "org:eu"),
    ("organization:african-union", "org:african-union"), (" org:eu ", "org:eu"),
])
def test_every_accepted_spelling_stores_one_code(spelling: str, stored: str) -> None:
    assert normalize_party(spelling) == stored


@pytest.mark.parametrize("bad", ["org:", "org:Not An Id", "org:a/b", "EU", "Atlantis", ""])
def test_what_is_neither_a_state_nor_an_organization_party_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="org:"):
        normalize_party(bad)


def test_a_state_code_and_an_organization_party_never_meet() -> None:
    # "org:" is lower-case with a colon; every state code is three capitals.
    assert party_organization("KAZ") is None and party_organization("org:kaz") == "kaz"
    assert normalize_party("kaz") == "KAZ" and normalize_party("org:kaz") == "org:kaz"
    assert party_entity("KAZ") == "state:KAZ" and party_entity("org:eu") == "organization:eu"
    assert party_name("KAZ") == "Kazakhstan"
    assert party_name("org:eu", {"eu": "European Union"}) == "European Union" and party_name("org:eu") == "eu"


def test_the_web_filter_takes_an_organization_party() -> None:
    assert CommitmentFilter.parse({"party": "ORG:EU"}).party == "org:eu"
    with pytest.raises(InvalidInput) as caught:
        CommitmentFilter.parse({"party": "org:"})
    assert caught.value.problems[0][:2] == ("party", "org:")
