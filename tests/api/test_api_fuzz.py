"""Schemathesis generates requests from the OpenAPI schema; none may cause a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from revisit.api.models import ApiToken

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 30


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
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal cases
            cases += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, case.body))

        call()
    assert not failures, failures[:5]
    assert cases >= 300
