"""The monthly revisit report: the figures (contacts by type and tier, points growth of
the customers contacted), the flow (staff suggest, the manager sets the plan and submits,
the region supervisor reviews and summarizes her stores), who may do which step, and the
reminders when due."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from revisit.core.models import AuditEvent
from revisit.reports import monthly
from revisit.reports.figures import store_figures
from revisit.reports.models import MonthlyFollowupReport, RegionSummary
from tests.reports.conftest import MAY, contact

pytestmark = pytest.mark.django_db
M = date(2026, 5, 1)


def test_the_figures_count_contacts_by_type_and_tier_and_points_growth(chain):
    figures = store_figures(chain["s1"], M)
    rows = {(r["kind"], r["channel"]): r for r in figures["contacts"]}
    assert rows[("followup", "call")]["tiers"]["A"] == 1
    assert rows[("followup", "call")]["tiers"]["B"] == 3
    assert rows[("followup", "wechat")]["tiers"]["A"] == 1
    assert figures["contacts_total"] == 5  # April's call and the other store's are not
    assert figures["contacted"] == {
        "customers": 2,
        "by_tier": {"SVIP": 0, "A": 1, "B": 1, "C": 0, "": 0},
    }
    points = figures["points"]
    assert (points["customers"], points["grew"], points["earned"], points["net"]) == (
        2,
        1,
        "120",
        "100",
    )
    assert points["no_growth_repeat"] == 1  # 李娜: three calls, no points


def test_staff_suggest_the_manager_sets_and_submits_the_supervisor_reviews(chain):
    s1 = chain["s1"]
    monthly.suggest_plan(s1, M, actor=chain["consultant"], text="六月新品上市，A 类电话邀约")
    monthly.suggest_plan(s1, M, actor=chain["caller"], text="端午节短信")
    with pytest.raises(monthly.ReportError):
        monthly.submit_report(s1, M, actor=chain["manager"])  # no summary nor plan yet
    with pytest.raises(PermissionDenied):
        monthly.set_plan(s1, M, actor=chain["consultant"], summary="x", plan="y")
    monthly.set_plan(
        s1, M, actor=chain["manager"], summary="本月回访 5 次", plan="六月：A 类电话，C 类短信"
    )
    with pytest.raises(PermissionDenied):  # a store manager does not review
        monthly.review_report(s1, M, actor=chain["manager"], comment="好")
    with pytest.raises(monthly.ReportError):  # not submitted yet
        monthly.review_report(s1, M, actor=chain["admin"], comment="好")
    report = monthly.submit_report(s1, M, actor=chain["manager"], now=MAY)
    assert report.status == "submitted" and report.figures["contacts_total"] == 5
    # The figures froze: a later contact of May does not change the submitted report.
    contact(chain["a"], chain["consultant"])
    assert monthly.figures_of(s1, M, report)["contacts_total"] == 5
    with pytest.raises(PermissionDenied):  # another region's supervisor
        monthly.review_report(s1, M, actor=chain["supervisor2"], comment="好")
    monthly.review_report(s1, M, actor=chain["supervisor"], comment="C 类可加贺卡")
    report.refresh_from_db()
    assert report.status == "reviewed" and report.reviewed_by == chain["supervisor"]
    with pytest.raises(monthly.ReportError):
        monthly.set_plan(s1, M, actor=chain["manager"], summary="改", plan="改")
    with pytest.raises(monthly.ReportError):
        monthly.suggest_plan(s1, M, actor=chain["consultant"], text="晚了")
    assert [s.text for s in report.suggestions.all()] == [
        "六月新品上市，A 类电话邀约",
        "端午节短信",
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="monthly_report").values_list(
            "action", flat=True
        )
    )
    assert sorted(set(actions)) == [
        "monthly_report.plan",
        "monthly_report.review",
        "monthly_report.submit",
        "monthly_report.suggest",
    ]


def test_staff_of_another_store_cannot_suggest(chain):
    with pytest.raises(PermissionDenied):
        monthly.suggest_plan(chain["s1"], M, actor=chain["consultant3"], text="x")
    with pytest.raises(PermissionDenied):
        monthly.set_plan(chain["s1"], M, actor=chain["manager3"], summary="x", plan="y")
    assert not MonthlyFollowupReport.objects.exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda c: monthly.suggest_plan(c["s1"], M, actor=c["consultant"], text="字" * 1001),
        lambda c: monthly.suggest_plan(c["s1"], M, actor=c["consultant"], text="   "),
        lambda c: monthly.set_plan(c["s1"], M, actor=c["manager"], summary="字" * 5001, plan=""),
        lambda c: monthly.suggest_plan(c["s1"], date(2026, 5, 2), actor=c["consultant"], text="x"),
        lambda c: monthly.suggest_plan(c["s1"], date(1800, 1, 1), actor=c["consultant"], text="x"),
    ],
)
def test_hostile_texts_and_months_are_refused(chain, call):
    with pytest.raises(monthly.ReportError) as error:
        call(chain)
    assert str(error.value)


@pytest.mark.parametrize("raw", ["2026-13", "2026", "abc", "9" * 500, "2026-05-40x", "0000-01"])
def test_bad_months_are_refused(raw):
    with pytest.raises(monthly.ReportError):
        monthly.parse_month(raw, default=M)


def test_the_region_summary_covers_every_store_once(chain):
    monthly.set_plan(chain["s1"], M, actor=chain["manager"], summary="总结", plan="计划")
    monthly.submit_report(chain["s1"], M, actor=chain["manager"])
    with pytest.raises(PermissionDenied):
        monthly.submit_region_summary(chain["r1"], M, actor=chain["supervisor2"], summary="x")
    done = monthly.submit_region_summary(
        chain["r1"], M, actor=chain["supervisor"], summary="一店完成，二店未交"
    )
    stores = {r["store"]: r for r in done.figures["stores"]}
    assert set(stores) == {chain["s1"].pk, chain["s2"].pk}
    assert (
        stores[chain["s1"].pk]["status"] == "submitted" and stores[chain["s2"].pk]["status"] == ""
    )
    assert done.figures["totals"]["contacts_total"] == 5
    with pytest.raises(monthly.ReportError):
        monthly.submit_region_summary(chain["r1"], M, actor=chain["supervisor"], summary="again")
    assert RegionSummary.objects.count() == 1


@override_settings(REPORTS_MONTHLY_REMIND_DAYS=3)
def test_reminders_come_when_due_and_go_when_done(chain):
    manager, supervisor = chain["manager"], chain["supervisor"]
    # April's report, never submitted, is overdue; May's is not due yet.
    early = monthly.reminders(manager, today=date(2026, 5, 20))
    assert [(r.kind, r.url_args[1], r.overdue) for r in early] == [
        ("store_report", "2026-04", True)
    ]
    april = date(2026, 4, 1)
    monthly.set_plan(chain["s1"], april, actor=manager, summary="四月", plan="五月")
    monthly.submit_report(chain["s1"], april, actor=manager)
    assert monthly.reminders(manager, today=date(2026, 5, 20)) == []
    due = monthly.reminders(manager, today=date(2026, 5, 28))
    assert [(r.kind, r.url_args, r.overdue) for r in due] == [
        ("store_report", (chain["s1"].pk, "2026-05"), False)
    ]
    late = monthly.reminders(manager, today=date(2026, 6, 2))
    assert [(r.kind, r.url_args[1], r.overdue) for r in late] == [("store_report", "2026-05", True)]
    summary_due = monthly.reminders(supervisor, today=date(2026, 5, 29))
    assert [(r.kind, r.url_args[1]) for r in summary_due] == [
        ("review", "2026-04"),
        ("region_summary", "2026-04"),
        ("region_summary", "2026-05"),
    ]
    monthly.set_plan(chain["s1"], M, actor=manager, summary="总结", plan="计划")
    monthly.submit_report(chain["s1"], M, actor=manager)
    assert monthly.reminders(manager, today=date(2026, 6, 2)) == []
    kinds = [(r.kind, r.url_args[1]) for r in monthly.reminders(supervisor, today=date(2026, 6, 2))]
    assert kinds == [("review", "2026-04"), ("review", "2026-05"), ("region_summary", "2026-05")]
    monthly.review_report(chain["s1"], april, actor=supervisor, comment="好")
    monthly.review_report(chain["s1"], M, actor=supervisor, comment="好")
    monthly.submit_region_summary(chain["r1"], M, actor=supervisor, summary="汇总")
    assert monthly.reminders(supervisor, today=date(2026, 6, 2)) == []
    assert monthly.reminders(chain["consultant"], today=date(2026, 5, 31)) == []
    assert date(2026, 6, 1) - timedelta(days=1) == monthly.due_dates(M)[0]
