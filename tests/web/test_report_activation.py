"""The daily report counts activation calls against the quota and routine revisits apart
(seed: activation calls are on top of the routine revisits)."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from revisit.core.models import Role
from revisit.outreach.followups import record_followup
from revisit.outreach.models import CallTask
from tests.factories import make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db
DAY = date(2024, 5, 6)


def test_activation_and_routine_calls_are_apart(client):
    org = make_org()
    store = make_store(org)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="陈咨询")
    now = datetime.combine(DAY, time(10), ZoneInfo("Asia/Shanghai"))
    for code, source in [("C1", "segment"), ("C2", "scheduled"), ("C3", "scheduled")]:
        customer = make_customer(org, code, owner=consultant, home_store=store)
        task = CallTask.objects.create(
            organization=org,
            customer=customer,
            assignee=consultant,
            due_date=DAY,
            first_due_date=DAY,
            source=source,
        )
        record_followup(task, actor=consultant, channel="call", outcome="invalid_1", now=now)
    client.force_login(manager)
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    row = page.split("陈咨询")[1]
    assert 'data-activation="1"' in row and 'data-revisits="2"' in row
    book = client.get("/reports/daily/", {"day": DAY.isoformat(), "export": "xlsx"})
    header = next(
        openpyxl.load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True)
    )
    assert "激活电话" in header and "常规回访" in header and "invalid_1" not in header
