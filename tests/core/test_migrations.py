"""Models and committed migrations agree, so a fresh checkout migrates to the real schema."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_or_unstable_migrations():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
