"""The monthly report API: the same steps as the pages, scoped, hostile input refused."""

import pytest

from revisit.api.models import ApiToken
from revisit.reports.models import MonthlyFollowupReport, RegionSummary
from tests.factories import make_org, make_region, make_staff, make_store

pytestmark = pytest.mark.django_db


def _auth(staff):
    _, token = ApiToken.issue(staff)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(client, url, body, staff):
    return client.post(url, body, content_type="application/json", **_auth(staff))


def test_the_flow_through_the_api(client, chain):
    url = f"/api/monthly-reports/{chain['s1'].pk}/2026-05"
    read = client.get(url, **_auth(chain["consultant"])).json()
    assert read["status"] == "draft" and read["figures"]["contacts_total"] == 5
    assert (
        _post(client, url + "/suggestions", {"text": "端午短信"}, chain["caller"]).status_code
        == 200
    )
    assert (
        _post(client, url + "/plan", {"summary": "s", "plan": "p"}, chain["caller"]).status_code
        == 403
    )
    assert _post(client, url + "/submit", {}, chain["manager"]).status_code == 400  # no plan yet
    _post(client, url + "/plan", {"summary": "本月总结", "plan": "下月计划"}, chain["manager"])
    out = _post(client, url + "/submit", {}, chain["manager"]).json()
    assert out["status"] == "submitted" and out["suggestions"][0]["text"] == "端午短信"
    out = _post(client, url + "/review", {"comment": "好"}, chain["supervisor"]).json()
    assert out["status"] == "reviewed" and out["reviewed_by"] == "区域主管"
    region = f"/api/region-summaries/{chain['r1'].pk}/2026-05"
    assert client.get(region, **_auth(chain["supervisor"])).json()["submitted"] is False
    done = _post(client, region, {"text": "区域总结"}, chain["supervisor"]).json()
    assert done["submitted"] and done["figures"]["totals"]["contacts_total"] == 5
    assert _post(client, region, {"text": "again"}, chain["supervisor"]).status_code == 400


def test_outside_the_scope_is_404_and_bad_input_is_refused(client, chain):
    other = make_org()
    foreign = make_store(other, "X1", make_region(other, "XR"))
    for who, store in (
        ("manager3", chain["s1"]),
        ("consultant3", chain["s1"]),
        ("supervisor2", chain["s1"]),
        ("admin", foreign),
    ):
        url = f"/api/monthly-reports/{store.pk}/2026-05"
        assert client.get(url, **_auth(chain[who])).status_code == 404, who
        assert _post(client, url + "/suggestions", {"text": "x"}, chain[who]).status_code == 404
    region = f"/api/region-summaries/{chain['r1'].pk}/2026-05"
    assert client.get(region, **_auth(chain["manager"])).status_code == 404
    assert _post(client, region, {"text": "x"}, chain["supervisor2"]).status_code == 404
    url = f"/api/monthly-reports/{chain['s1'].pk}"
    manager = chain["manager"]
    for bad_month in ("2026-13", "2026-5", "abcd-ef", "9" * 300):
        assert client.get(f"{url}/{bad_month}", **_auth(manager)).status_code in (400, 404, 422)
    assert (
        _post(client, f"{url}/2026-05/suggestions", {"text": "字" * 2000}, manager).status_code
        == 422
    )
    assert (
        _post(client, f"{url}/2026-05/plan", {"summary": "字" * 6000}, manager).status_code == 422
    )
    assert client.get(f"/api/monthly-reports/{10**20}/2026-05", **_auth(manager)).status_code == 422
    assert not MonthlyFollowupReport.objects.exists() and not RegionSummary.objects.exists()
    nobody = make_staff(chain["org"])
    assert client.get(f"{url}/2026-05", **_auth(nobody)).status_code == 403
