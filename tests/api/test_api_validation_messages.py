"""Schema failures of the API answer 422 with a sentence in the caller's language naming the
field, and keep pydantic's machine fields (type, loc) for clients that branch on them."""

import pytest

from revisit.api.models import ApiToken
from revisit.outreach.models import CallTask, FollowUp

pytestmark = pytest.mark.django_db


def _headers(staff, language="zh-hans"):
    _, token = ApiToken.issue(staff)
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


def _han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    "params, field, kind",
    [
        ({"limit": 5000}, "limit", "less_than_equal"),
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": "abc"}, "limit", "int_parsing"),
        ({"visited_after": "2024-02-30"}, "visited_after", "date_from_datetime_parsing"),
        ({"owner": 2**70}, "owner", "less_than_equal"),
    ],
)
def test_query_errors_are_chinese_and_name_the_field(client, demo, params, field, kind):
    response = client.get("/api/customers", params, headers=_headers(demo["admin"]))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == field
    assert error["type"].startswith(kind.split("_")[0])
    assert _han(error["msg"]), error["msg"]
    assert "Input should" not in error["msg"]


def test_body_errors_are_chinese_too(client, demo):
    consultant = demo["consultant1"]
    task = CallTask.objects.filter(assignee=consultant).first()
    url = f"/api/call-tasks/{task.pk}/followups"
    headers = _headers(consultant)
    response = client.post(
        url, {"intent": 9, "note": "x" * 1001}, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["detail"]}
    assert set(errors) == {"payload.outcome", "payload.intent", "payload.note"} or set(errors) == {
        "outcome",
        "intent",
        "note",
    }, errors
    assert all(_han(e["msg"]) for e in errors.values())
    assert not FollowUp.objects.filter(customer=task.customer, note="x" * 1001).exists()


def test_english_callers_get_english(client, demo):
    response = client.get("/api/customers", {"limit": 0}, headers=_headers(demo["admin"], "en"))
    [error] = response.json()["detail"]
    assert error["msg"] == "Must be at least 1."


def test_an_unreadable_body_and_a_missing_token_are_explained(client, demo):
    consultant = demo["consultant1"]
    task = CallTask.objects.filter(assignee=consultant).first()
    url = f"/api/call-tasks/{task.pk}/followups"
    for raw in ("{not json", b"\xff\xfe\x00bad"):
        response = client.post(
            url, raw, content_type="application/json", headers=_headers(consultant)
        )
        assert response.status_code == 400
        assert _han(response.json()["detail"]), response.json()
    response = client.get("/api/customers", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 401
    assert _han(response.json()["detail"]), response.json()
