"""The clerk's endpoints under schemathesis, as the clerk (the role the general schema
run does not use): generated valid and invalid requests never get a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def clerk_schema(shared_demo_server):
    """Only the registry and issuance operations of the published schema."""
    schema = schemathesis.openapi.from_url(f"{shared_demo_server.url}/openapi.json")
    return schema.include(tag="registry")


@pytest.fixture(scope="session")
def clerk_headers(shared_demo_server) -> dict[str, str]:
    return {"Authorization": f"Bearer {shared_demo_server.token('vanthu')}"}


schema = schemathesis.pytest.from_fixture("clerk_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_as_clerk(case, clerk_headers):
    case.call_and_validate(headers=clerk_headers, checks=[not_a_server_error], timeout=30)
