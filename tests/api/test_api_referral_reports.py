"""The referral KPI and statistics tables through the API: the same tables the pages
show and download (one service), scoped like the pages (a staff member outside the
reader's staff is 404), readers only, and bad months, tables and ids answered with a
message in the caller's language."""

import typing
from datetime import timedelta

import pytest
from django.utils import timezone

from revisit.api.referrals import KpiTable, StatTable
from revisit.core.clock import local_date
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.kpis import kpi_staff, month_of
from revisit.referrals.leads import register_lead
from revisit.referrals.tables import KPI_TABLES, STAT_TABLES, report_table
from tests.api.test_api import bearer
from tests.factories import demo_referrer, make_org, make_staff

pytestmark = pytest.mark.django_db
KPIS = "/api/referrals/reports/kpis"
STATS = "/api/referrals/reports/statistics"


def _get(client, url, reader, **params):
    return client.get(url, params, headers=bearer(reader))


def _row(body, name):
    return next(row for row in body["rows"] if row[0] == name)


def test_the_tables_are_the_pages_tables(client, demo):
    assert set(typing.get_args(KpiTable)) == KPI_TABLES
    assert set(typing.get_args(StatTable)) == STAT_TABLES
    admin = demo["admin"]
    today = local_date(demo["org"])
    month = month_of(demo["org"], today)
    for table in sorted(STAT_TABLES):
        answer = _get(client, STATS, admin, table=table)
        assert answer.status_code == 200, (table, answer.content)
        body = answer.json()
        header, rows = report_table(table, admin, month, as_of=today)
        assert body["month"] == f"{today:%Y-%m}" and body["table"] == table
        assert body["columns"] == [str(h) for h in header]
        assert len(body["rows"]) == len(list(rows))
    roles = _get(client, KPIS, admin, table="roles").json()
    assert roles["columns"][0] == "员工" and roles["columns"][1] == "角色"


def test_the_kpi_moves_with_a_referral(client, demo):
    desk = demo["desk1"]
    name = str(desk)
    before = _row(_get(client, KPIS, demo["manager1"]).json(), name)
    referrer = demo_referrer(demo["org"])
    lead = register_lead(
        referrer,
        actor=desk,
        store=referrer.home_store,
        name="接口报表新客",
        mobile="13911113333",
        items="眼部整形",
        intention=1,
        now=timezone.now() - timedelta(days=1),
    )
    record_arrival(lead, actor=demo["admin"], facts=ArrivalFacts())
    after = _row(_get(client, KPIS, demo["manager1"]).json(), name)
    # Columns: name, role, old customers, satisfied, served, registrations, its target,
    # arrivals, its target…; a lead registered yesterday counts this month unless the
    # month just began.
    assert after[7] == before[7] + 1
    if lead.registered_at >= month_of(demo["org"], local_date(demo["org"])).start:
        assert after[5] == before[5] + 1


def test_a_reader_gets_her_scope_only(client, demo):
    manager = demo["manager1"]
    names = {row[0] for row in _get(client, KPIS, manager).json()["rows"]}
    everyone = {row[0] for row in _get(client, KPIS, demo["admin"]).json()["rows"]}
    assert names == {str(s) for s in kpi_staff(manager)} and str(manager) in names
    assert names < everyone  # the other stores' staff are left out
    consultant = demo["consultant1"]
    own = _get(client, KPIS, consultant).json()["rows"]
    assert [row[0] for row in own] == [str(consultant)]
    # Another store's staff, another organization's staff: missing, whatever exists.
    outside = next(s for s in kpi_staff(demo["admin"]) if s not in set(kpi_staff(manager)))
    stranger = make_staff(make_org(), "admin")
    for person in (outside, stranger):
        answer = _get(client, STATS, manager, table="daily", staff=person.pk)
        assert answer.status_code == 404
    mine = _get(client, STATS, manager, table="daily", staff=manager.pk)
    assert mine.status_code == 200 and len(mine.json()["rows"]) >= 28


def test_bad_input_gets_a_message(client, demo):
    admin = demo["admin"]
    for month in ("2026-13", "0000-01", "abcd-ef", "2026-1-"):
        answer = _get(client, STATS, admin, month=month)
        assert answer.status_code == 400, month
        assert "不是月份" in answer.json()["detail"], answer.json()
    too_long = _get(client, KPIS, admin, month="2026-01-01")
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["field"] == "month"
    assert "太长" in too_long.json()["detail"][0]["msg"]
    for params in ({"table": "bogus"}, {"staff": 0}, {"staff": 10**30}, {"staff": "x"}):
        answer = _get(client, STATS, admin, **params)
        assert answer.status_code == 422, params
        assert all(not e["msg"].isascii() for e in answer.json()["detail"])
    assert _get(client, KPIS, admin, table="daily").status_code == 422
    assert _get(client, STATS, admin, month="2026-02").json()["month"] == "2026-02"


def test_readers_only(client, demo):
    assert client.get(KPIS).status_code == 401
    nobody = make_staff(demo["org"])  # no role
    assert _get(client, KPIS, nobody).status_code == 403
    assert _get(client, STATS, nobody).status_code == 403
