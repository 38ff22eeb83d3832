"""The monthly revisit report pages: each role reaches its stores' reports and its steps,
404 outside its scope, hostile input answered in Chinese, the xlsx with formulas
escaped, and the reminders on the home page."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from revisit.reports import monthly
from revisit.reports.models import MonthlyFollowupReport, PlanSuggestion, RegionSummary
from tests.factories import make_org, make_region, make_staff, make_store

pytestmark = pytest.mark.django_db
M = date(2026, 5, 1)


def _url(store, tail=""):
    return f"/reports/monthly/stores/{store.pk}/2026-05/{tail}"


def test_the_flow_through_the_pages(client, chain):
    s1 = chain["s1"]
    client.force_login(chain["consultant"])
    page = client.get(_url(s1)).content.decode()
    assert 'id="suggest-form"' in page and 'id="plan-form"' not in page
    assert 'id="submit-report"' not in page and 'id="review-form"' not in page
    assert "电话" in page and "未分级" in page
    client.post(_url(s1, "suggest/"), {"text": "端午节前一周短信"})
    assert PlanSuggestion.objects.get().text == "端午节前一周短信"
    client.force_login(chain["manager"])
    page = client.get(_url(s1)).content.decode()
    assert "端午节前一周短信" in page and 'id="plan-form"' in page
    assert (
        client.post(_url(s1, "submit/"), follow=True)
        .content.decode()
        .count("请先填写本月总结和次月计划")
    )
    client.post(_url(s1, "plan/"), {"summary": "本月回访 5 次", "plan": "采纳端午短信建议"})
    client.post(_url(s1, "submit/"))
    report = MonthlyFollowupReport.objects.get()
    assert report.status == "submitted" and report.plan == "采纳端午短信建议"
    assert client.post(_url(s1, "review/"), {"comment": "x"}).status_code == 403
    client.force_login(chain["supervisor"])
    page = client.get(_url(s1)).content.decode()
    assert 'id="review-form"' in page and "已提交，待审核" in page
    client.post(_url(s1, "review/"), {"comment": "C 类加贺卡"})
    report.refresh_from_db()
    assert report.status == "reviewed" and report.review_comment == "C 类加贺卡"
    region_url = f"/reports/monthly/regions/{chain['r1'].pk}/2026-05/"
    page = client.get(region_url).content.decode()
    assert "已审核" in page and "未开始" in page  # S1 reviewed, S2 never started
    client.post(region_url + "submit/", {"summary": "一店完成"})
    assert RegionSummary.objects.get().summary == "一店完成"
    listing = client.get("/reports/monthly/?month=2026-05").content.decode()
    assert "门店S1" in listing and "门店S2" in listing and "门店S3" not in listing


def test_every_role_sees_only_its_stores_and_404_outside(client, chain):
    s1, s3 = chain["s1"], chain["s3"]
    other = make_org()
    foreign_store = make_store(other, "X1", make_region(other, "XR"))
    cases = {
        "admin": ({s1, chain["s2"], s3}, set()),
        "supervisor": ({s1, chain["s2"]}, {s3}),
        "supervisor2": ({s3}, {s1}),
        "manager": ({s1}, {s3, chain["s2"]}),
        "consultant": ({s1}, {s3}),
        "caller": ({s1}, {s3}),
        "consultant3": ({s3}, {s1}),
    }
    for who, (inside, outside) in cases.items():
        client.force_login(chain[who])
        for store in inside:
            assert client.get(_url(store)).status_code == 200, (who, store)
        for store in [*outside, foreign_store]:
            assert client.get(_url(store)).status_code == 404, (who, store)
            for tail in ("suggest/", "plan/", "submit/", "review/"):
                response = client.post(_url(store, tail), {"text": "x", "comment": "x"})
                assert response.status_code == 404, (who, store, tail)
        assert client.get("/reports/monthly/stores/999999999/2026-05/").status_code == 404
    for who, regions in {
        "admin": ({chain["r1"], chain["r2"]}, set()),
        "supervisor": ({chain["r1"]}, {chain["r2"]}),
        "manager": (set(), {chain["r1"]}),
        "consultant": (set(), {chain["r1"]}),
    }.items():
        client.force_login(chain[who])
        inside, outside = regions
        for region in inside:
            assert client.get(f"/reports/monthly/regions/{region.pk}/2026-05/").status_code == 200
        for region in [*outside, foreign_store.region]:
            url = f"/reports/monthly/regions/{region.pk}/2026-05/"
            assert client.get(url).status_code == 404, (who, region)
            assert client.post(url + "submit/", {"summary": "x"}).status_code == 404
    assert not MonthlyFollowupReport.objects.exists() and not RegionSummary.objects.exists()
    # Someone with no role at all.
    client.force_login(make_staff(chain["org"]))
    assert client.get("/reports/monthly/").status_code == 403
    assert client.get(_url(s1)).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "abc", "9" * 300, "2026-05-01", "1800-01"])
def test_bad_months_answer_a_chinese_message(client, chain, month):
    client.force_login(chain["manager"])
    for url in (
        f"/reports/monthly/?month={month}",
        f"/reports/monthly/stores/{chain['s1'].pk}/{month}/",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "不是月份" in response.content.decode()
    response = client.post(
        f"/reports/monthly/stores/{chain['s1'].pk}/{month}/suggest/", {"text": "x"}
    )
    assert response.status_code in (400, 404)
    assert not PlanSuggestion.objects.exists()


def test_huge_texts_are_refused_with_a_message(client, chain):
    client.force_login(chain["manager"])
    url = _url(chain["s1"])
    page = client.post(url + "plan/", {"summary": "字" * 6000, "plan": "x"}, follow=True)
    assert "5000" in page.content.decode()
    page = client.post(url + "suggest/", {"text": "字" * 2000}, follow=True)
    assert "1000" in page.content.decode()
    page = client.post(url + "suggest/", {"text": ""}, follow=True)
    assert page.status_code == 200
    assert not MonthlyFollowupReport.objects.filter(summary__startswith="字").exists()
    assert not PlanSuggestion.objects.exists()


def test_the_xlsx_has_the_figures_and_escapes_formulas(client, chain):
    s1 = chain["s1"]
    monthly.set_plan(s1, M, actor=chain["manager"], summary="=HYPERLINK(1)", plan="+cmd|x")
    monthly.suggest_plan(s1, M, actor=chain["consultant"], text="@SUM(A1)")
    client.force_login(chain["supervisor"])
    response = client.get(_url(s1) + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "'=HYPERLINK(1)" in cells and "'+cmd|x" in cells
    assert any(isinstance(c, str) and "@SUM(A1)" in c for c in cells)
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "@")) for c in cells)
    assert "按方式和级别的回访次数" in cells
    region = client.get(f"/reports/monthly/regions/{chain['r1'].pk}/2026-05/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(region.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "门店" and {"门店S1", "门店S2"} <= {r[0] for r in rows}


def test_the_home_page_reminds_when_due(client, chain, time_machine):
    time_machine.move_to("2026-05-29 10:00 +08:00")
    client.force_login(chain["manager"])
    page = client.get("/").content.decode()
    assert 'id="report-reminders"' in page and "2026-05 客户回访情况月报表" in page
    client.force_login(chain["supervisor"])
    page = client.get("/").content.decode()
    assert "区域R1 2026-05 月度回访总结" in page
