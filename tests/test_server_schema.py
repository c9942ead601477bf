"""Property-based tests of the running server from its own OpenAPI schema (schemathesis).

Every operation gets a bounded number of generated requests (valid and invalid), sent
with a real bearer token to the real server under uvicorn; none may answer 5xx.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def api_schema(shared_demo_server):
    """The schema as the server publishes it at /openapi.json."""
    return schemathesis.openapi.from_url(f"{shared_demo_server.url}/openapi.json")


@pytest.fixture(scope="session")
def drafter_headers(shared_demo_server) -> dict[str, str]:
    """A chuyên viên's token: the role that creates documents."""
    return {"Authorization": f"Bearer {shared_demo_server.token('chuyenvien')}"}


@pytest.fixture(scope="session")
def leader_headers(shared_demo_server) -> dict[str, str]:
    """The lãnh đạo Sở's token: holds most of the seeded documents."""
    return {"Authorization": f"Bearer {shared_demo_server.token('ldso')}"}


schema = schemathesis.pytest.from_fixture("api_schema")
bounded = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@bounded
def test_no_server_error_as_drafter(case, drafter_headers):
    case.call_and_validate(headers=drafter_headers, checks=[not_a_server_error], timeout=30)


@schema.parametrize()
@bounded
def test_no_server_error_as_leader(case, leader_headers):
    case.call_and_validate(headers=leader_headers, checks=[not_a_server_error], timeout=30)


def test_the_schema_is_served_and_lists_every_operation(shared_demo_server, api_schema):
    operations = list(api_schema.get_all_operations())
    assert len(operations) >= 14
