"""Sources beyond web pages (DOI, archived copy, local file by hash, print) and state suggestions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.errors import InvalidInput
from tracker.events import Source, normalize_state, parse_event
from tracker.events.states import suggest_states


def test_a_misspelled_state_gets_a_suggestion(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    with pytest.raises(InvalidInput) as caught:
        tracker.record(event("ProgressAssessed", commitment_id="c", party="Kazakstan", level="limited"))
    field, value, message = caught.value.problems[0]
    assert (field, value) == ("party", "Kazakstan")
    assert message.endswith("did you mean KAZ (Kazakhstan)?")
    assert suggest_states("Кыргызтан") == ["KGZ"]
    assert suggest_states("Atlantis") == []
    with pytest.raises(ValueError, match="use an ISO 3166-1 code"):
        normalize_state("Atlantis")
    with pytest.raises(ValueError) as huge:
        normalize_state("K" * 100_000)
    assert len(str(huge.value)) < 500


def test_sources_may_cite_a_doi_an_archive_a_local_file_or_print(tracker: Tracker, tmp_path: Path) -> None:
    copy = tmp_path / "bnews-2018-09-21.html"
    copy.write_bytes("<html>Генеральный прокурор</html>".encode())
    sources = [
        {"publisher": "European Journal of International Law", "doi": "https://doi.org/10.1093/ejil/chy012"},
        {"publisher": "BNews.kz", "archive_url": "https://web.archive.org/web/2018/https://bnews.kz/x"},
        Source.for_file(copy, "BNews.kz", title="saved copy").model_dump(exclude_defaults=True),
        {"publisher": "Bulletin of the SCO Secretariat", "title": "Chronicle", "published_on": "2018-10",
         "issue": "No. 3 (2018)", "pages": "12-14"},
    ]
    ref = tracker.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15",
                                        sources=sources).ref
    stored = tracker.history("sco")[0].event.sources
    assert tracker.history("sco")[0].ref == ref
    assert stored[0].doi == "10.1093/ejil/chy012"
    assert stored[1].archive_url is not None and stored[1].url is None
    assert stored[2].file_sha256 == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert stored[2].file_name == "bnews-2018-09-21.html"
    assert stored[3].pages == "12-14" and stored[3].url is None


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"publisher": "x", "doi": "not-a-doi"}, "sources.0.doi"),
        ({"publisher": "x", "url": "file:///etc/passwd"}, "sources.0.url"),
        ({"publisher": "x", "file_sha256": "abc"}, "sources.0.file_sha256"),
        ({"publisher": "x", "file_name": "a.pdf"}, "sources.0"),
    ],
)
def test_bad_citations_are_refused_naming_the_field(source: dict[str, str], field: str, tracker: Tracker) -> None:
    with pytest.raises(InvalidInput) as caught:
        tracker.record(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}, sources=[source]))
    assert caught.value.problems[0][0] == field
    assert tracker.streams(None) == []


def test_sources_stored_before_the_new_kinds_read_and_write_as_before() -> None:
    old = event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"},
                sources=[{"publisher": "BNews.kz", "url": "https://bnews.kz/a", "title": "t", "language": "en"}])
    parsed = parse_event(old)
    assert parsed.to_json_dict() == old  # no new key appears: digests and exports stay identical
