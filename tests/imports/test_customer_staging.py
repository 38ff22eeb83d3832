"""A customer import writes like an order import: checked rows are staged in temporary
tables, then one short transaction applies them with a fixed number of set-based
statements. So its statements do not multiply with the customers in the file or in the
database, and a kill at any point leaves nothing half-written."""

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revisit.core.models import AuditEvent, Role
from revisit.customers.models import Customer, MarketingConsent
from revisit.imports.models import ImportRun
from revisit.imports.services import import_customers
from tests.factories import make_org, make_staff, make_store
from tests.imports.conftest import database_url, write_csv

HEADER = ["客户编号", "姓名", "手机", "来源", "短信营销同意", "电话营销同意"]


def customers_file(path, count: int, *, name: str = "王", sms: str = "是"):
    rows = [HEADER]
    for n in range(count):
        rows.append([f"K{n:05d}", f"{name}{n}", f"138{n:08d}", "小红书", sms, "否"])
    return write_csv(path, rows)


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_customers_in_the_file_or_the_database(tmp_path):
    counts = []
    for count in (3, 2500):
        org = make_org()
        store = make_store(org)
        manager = make_staff(org, Role.STORE_MANAGER, store=store)
        first = import_customers(
            org, customers_file(tmp_path / f"a{count}.csv", count), actor=manager
        )
        assert first.imported == count
        # Every customer changes her name and her SMS consent; half as many new ones come.
        rows = customers_file(tmp_path / f"b{count}.csv", count + count // 2, name="李", sms="否")
        with CaptureQueriesContext(connection) as queries:
            report = import_customers(org, rows, actor=manager)
        assert (report.imported, report.updated) == (count // 2, count)
        counts.append(len(queries.captured_queries))
        assert Customer.objects.get(organization=org, code="K00001").name == "李1"
        sms = MarketingConsent.objects.filter(customer__organization=org, channel="sms")
        assert sms.filter(granted=False).count() == count + count // 2
        events = AuditEvent.objects.filter(organization=org, action="consent.set")
        # The first file: two consents each; the second: a changed SMS consent for the
        # known customers, two consents each for the new ones.
        assert events.count() == 2 * count + count + 2 * (count // 2)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_consents_are_audited_as_the_service_records_them(tmp_path):
    org = make_org()
    import_customers(org, customers_file(tmp_path / "a.csv", 1))
    import_customers(org, customers_file(tmp_path / "b.csv", 1, sms="否"))
    customer = Customer.objects.get(organization=org)
    events = AuditEvent.objects.filter(action="consent.set").order_by("pk")
    assert [(e.target_type, e.target_id, e.data) for e in events] == [
        (
            "customers.customer",
            str(customer.pk),
            {"channel": "sms", "before": None, "after": True, "source": "导入文件 a.csv"},
        ),
        (
            "customers.customer",
            str(customer.pk),
            {"channel": "call", "before": None, "after": False, "source": "导入文件 a.csv"},
        ),
        (
            "customers.customer",
            str(customer.pk),
            {"channel": "sms", "before": True, "after": False, "source": "导入文件 b.csv"},
        ),
    ]


CHILD = """
import os, signal, sys
import django
django.setup()
from revisit.core.models import Organization
from revisit.imports import customer_rows
from revisit.imports.services import import_customers
from revisit.imports.staging import Staging

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[1] == "staging":
    load = Staging.load
    def load_then_die(self, table, frame, columns):
        load(self, table, frame, columns)
        if table == "consents":
            die()
    Staging.load = load_then_die
else:  # new and changed customers written, the transaction not yet committed
    customer_rows.record_consents = die
import_customers(Organization.objects.get(code=sys.argv[2]), sys.argv[3])
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["staging", "apply"])
def test_a_customer_import_killed_mid_way_leaves_nothing(tmp_path, moment):
    org = make_org()
    import_customers(org, customers_file(tmp_path / "a.csv", 10))
    before = sorted(Customer.objects.filter(organization=org).values_list("code", "name"))
    path = customers_file(tmp_path / "b.csv", 30, name="李", sms="否")
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        REVISIT_VAR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="revisit.settings",
    )
    child = subprocess.run(
        [sys.executable, "-c", CHILD, moment, org.code, str(path)], env=env, capture_output=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    assert sorted(Customer.objects.filter(organization=org).values_list("code", "name")) == before
    assert (
        not MarketingConsent.objects.filter(customer__organization=org, granted=False)
        .exclude(channel="call")
        .exists()
    )
    assert ImportRun.objects.filter(organization=org).count() == 1
    assert AuditEvent.objects.filter(organization=org, action="consent.set").count() == 20
    report = import_customers(org, path)
    assert (report.imported, report.updated) == (20, 10)
    assert Customer.objects.filter(organization=org, name__startswith="李").count() == 30
