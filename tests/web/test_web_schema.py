"""The API against its own OpenAPI document: property-based requests (schemathesis) to a real server process."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.web.conftest import Server

# schemathesis' pytest plugin does not run under this pytest; its strategies are driven with hypothesis directly.
EXAMPLES = 15


def _operations(site: Server) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{site.base_url}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_exercised(site: Server) -> None:
    labels = {op.label for op in _operations(site)}
    assert "POST /api/v1/developments" in labels
    assert "GET /api/v1/commitments" in labels
    assert len(labels) >= 13


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(site: Server, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['admin']}"}  # may call everything
    failures: list[str] = []
    for operation in _operations(site):

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case: Any) -> None:
            # Every answer, errors included, must match the document (status, content type, schema, no 5xx).
            # "Schema-valid means accepted" is not checked: the document cannot say which states exist or
            # which developments the rules accept, and those are refused with a 4xx naming field and value.
            case.call_and_validate(base_url=site.base_url, headers=headers,
                                   excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
