"""Schemathesis generates requests from the OpenAPI schema; none may cause a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from revisit.api.models import ApiToken

pytestmark = pytest.mark.django_db

# Examples per operation and role: the admin reaches every branch; a consultant's requests
# mostly end at her scope (404/403), which fewer examples cover.
EXAMPLES_PER_OPERATION = {"admin": 20, "consultant1": 10}


@pytest.fixture
def wsgi_app():
    """The real WSGI application; like Django's test client, it must not close the test's
    database connection at the end of each request."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("username", ["admin", "consultant1"])
def test_generated_requests_cause_no_server_error(demo, wsgi_app, username):
    _, token = ApiToken.issue(demo[username])
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    cases = 0
    failures = []
    operations, tried = 0, set()
    for result in schema.get_all_operations():
        operations += 1
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION[username],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal cases
            cases += 1
            tried.add((case.method, case.path))
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, case.body))

        call()
    assert not failures, failures[:5]
    assert len(tried) == operations > 50  # every operation was tried
    assert cases >= 5 * operations
