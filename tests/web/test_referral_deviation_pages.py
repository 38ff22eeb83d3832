"""The statistics page's deviation by staff, customer group and product, the channel's
table with the rebate usage, and the referral program's points setting: shown, scoped,
downloadable, editable by the admin only, hostile values refused with a message."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from revisit.referrals.models import RewardKind, RewardStatus
from revisit.referrals.policy import referral_settings
from revisit.referrals.rewards import propose_rewards
from revisit.wallet.models import Account, AccountKind
from revisit.wallet.points import points_settings
from tests.factories import make_order
from tests.web.test_referral_report_pages import _lead

pytestmark = pytest.mark.django_db
STATS = "/referrals/statistics/"


def test_the_deviation_tables_show_and_download(client, demo):
    lead = _lead(demo)
    client.force_login(demo["manager1"])
    page = client.get(STATS)
    deviations = page.context["deviations"]
    assert list(deviations) == ["staff", "groups", "products"]
    tier = lead.referrer.get_tier_display() or "未分级"
    group = next(row for row in deviations["groups"] if row["label"] == tier)
    registrations = group["cells"][0]
    assert registrations["actual"] >= 1
    assert registrations["deviation"] == registrations["actual"] - registrations["to_date"]
    desk = next(row for row in deviations["staff"] if row["label"] == str(demo["desk1"]))
    assert desk["cells"][1]["actual"] >= 1  # her arrival
    html = page.content.decode()
    for by in ("staff", "groups", "products"):
        assert f'id="deviation-{by}"' in html
    assert 'id="statistics-rebate-usage"' in html and "按客户群体" in html
    for table, first in [
        ("deviation_staff", "员工"),
        ("deviation_groups", "客户群体"),
        ("deviation_products", "产品"),
        ("channel", "指标"),
    ]:
        response = client.get(STATS, {"table": table, "export": "xlsx"})
        assert response.status_code == 200, table
        rows = list(load_workbook(BytesIO(response.content)).active.values)
        assert rows[0][0] == first, table
        assert len(rows) >= 2, table
    channel = dict(
        list(
            load_workbook(
                BytesIO(client.get(STATS, {"table": "channel", "export": "xlsx"}).content)
            ).active.values
        )[1:]
    )
    assert "返利金使用率" in channel
    assert client.get(STATS, {"table": "deviation_time", "export": "xlsx"}).status_code == 400


def test_a_consultant_sees_only_her_own_deviation_row(client, demo):
    _lead(demo)
    consultant = demo["consultant1"]
    client.force_login(consultant)
    staff = client.get(STATS).context["deviations"]["staff"]
    assert [row["label"] for row in staff] == [str(consultant)]


def _form(**changes):
    form = {
        "registration_cutoff_days": 1,
        "referrer_rebate_rate": "0.05",
        "referee_rebate_rate": "0.05",
        "gift_threshold": "1000",
        "gift_value": "480",
        "gift_description": "护肤品",
        "revenue_share_target": "0.10",
        "referrer_points_per_yuan": "2.5",
    }
    return {**form, **changes}


def test_the_admin_sets_the_points_rate_and_hostile_values_are_refused(client, demo):
    client.force_login(demo["admin"])
    assert "老客积分" in client.get("/settings/referrals/").content.decode()
    assert client.post("/settings/referrals/", _form()).status_code == 302
    program = referral_settings(demo["org"])
    assert program.referrer_points_per_yuan == Decimal("2.5")
    for bad in ("-1", "1001", "1e9", "abc", "9" * 40, "NaN", "Infinity"):
        refused = client.post("/settings/referrals/", _form(referrer_points_per_yuan=bad))
        assert refused.status_code == 200, bad
        assert refused.context["form"].errors["referrer_points_per_yuan"], bad
        program.refresh_from_db()
        assert program.referrer_points_per_yuan == Decimal("2.5"), bad
    # Left out (an older form), the rate stays.
    older = _form()
    del older["referrer_points_per_yuan"]
    assert client.post("/settings/referrals/", older).status_code == 302
    program.refresh_from_db()
    assert program.referrer_points_per_yuan == Decimal("2.5")
    # A store manager reads the setting and may not change it.
    client.force_login(demo["manager1"])
    assert "老客积分" in client.get("/settings/referrals/").content.decode()
    assert (
        client.post("/settings/referrals/", _form(referrer_points_per_yuan="9")).status_code == 403
    )


def test_points_show_as_points_and_the_page_approves_them(client, demo):
    lead = _lead(demo)
    settings = points_settings(demo["org"])
    settings.enabled = True
    settings.save()
    make_order(lead.customer, "800", on=date.today(), store=lead.store)
    propose_rewards(lead)
    points = lead.rewards.get(kind=RewardKind.POINTS)
    assert points.amount == Decimal("800")  # the default: a point a yuan
    client.force_login(demo["manager1"])
    detail = client.get(f"/referrals/{lead.pk}/").content.decode()
    assert "800 分" in detail and "¥800" not in detail
    assert client.post(f"/referrals/rewards/{points.pk}/approve/").status_code == 302
    points.refresh_from_db()
    assert points.status == RewardStatus.APPROVED
    account = Account.objects.get(customer=lead.referrer, kind=AccountKind.POINTS)
    assert account.balance >= Decimal("800")
    assert account.entries.filter(reference_type="referral", amount=800).count() == 1
