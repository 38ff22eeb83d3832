"""The referral pages as every role: register from the referrer's card, record the
arrival, approve the rewards; 404 for anything outside the scope; hostile input answered
with a message; the labels crawl finds no code."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from revisit.core.access import visible_customers
from revisit.customers.models import Customer
from revisit.referrals.arrival import record_arrival
from revisit.referrals.attribution import ArrivalFacts
from revisit.referrals.leads import register_lead
from revisit.referrals.models import Lead, RewardStatus
from revisit.referrals.rewards import propose_due_rewards
from revisit.wallet.models import Account, AccountKind
from tests.factories import (
    demo_referrer,
    make_customer,
    make_order,
    make_org,
    make_staff,
    make_store,
)
from tests.web.test_labels_crawl import crawl

pytestmark = pytest.mark.django_db
ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]


def _referrer(demo, store_code="SH01"):
    return demo_referrer(demo["org"], store_code)


def _lead(demo, store_code="SH01", **kwargs):
    referrer = _referrer(demo, store_code)
    return register_lead(
        referrer,
        actor=demo["admin"],
        store=referrer.home_store,
        name="新朋友",
        mobile="13911112222",
        intention=1,
        now=timezone.now() - timedelta(days=2),
        **kwargs,
    )


def test_registering_from_the_card_checks_the_input_and_keeps_what_was_typed(client, demo):
    client.force_login(demo["desk1"])
    referrer = _referrer(demo)
    page = client.get(f"/customers/{referrer.pk}/").content.decode()
    assert 'id="refer-friend"' in page
    url = f"/customers/{referrer.pk}/referrals/new/"
    form = {"name": "王女士", "mobile": "12345", "intention": "1", "store": referrer.home_store_id}
    bad = client.post(url, form)
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "不是有效的电话号码" in text
    assert 'value="王女士"' in text
    huge = client.post(url, {**form, "name": "名" * 5000, "mobile": "1" * 5000})
    assert huge.status_code == 200 and not Lead.objects.filter(registered_by=demo["desk1"]).exists()
    good = client.post(url, {**form, "mobile": "13922223333", "items": "眼部整形"})
    lead = Lead.objects.get(registered_by=demo["desk1"])
    assert good.status_code == 302 and good["Location"] == f"/referrals/{lead.pk}/"
    assert lead.referrer == referrer and lead.registered_by == demo["desk1"]
    detail = client.get(f"/referrals/{lead.pk}/").content.decode()
    assert "139****3333" in detail and "13922223333" not in detail


def test_arrival_decides_once_and_both_cards_show_the_rule(client, demo):
    lead = _lead(demo)
    client.force_login(demo["desk1"])
    response = client.post(f"/referrals/{lead.pk}/arrival/", {"referrer_came": "on"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.attribution, lead.rule) == ("referral", "referral")
    again = client.post(
        f"/referrals/{lead.pk}/arrival/", {"asked_consultant_by_name": "on"}, follow=True
    )
    assert "已确定" in again.content.decode()
    lead.refresh_from_db()
    assert lead.rule == "referral"
    for customer in (lead.customer, lead.referrer):
        page = client.get(f"/customers/{customer.pk}/").content.decode()
        assert 'id="referrals"' in page and "提前一天登记" in page


def test_a_store_manager_approves_a_rebate_and_it_lands_on_the_credit_balance(client, demo):
    lead = _lead(demo)
    record_arrival(lead, actor=demo["admin"], facts=ArrivalFacts())
    make_order(
        Customer.objects.get(pk=lead.refresh_from_db() or lead.customer_id), "2000", on=date.today()
    )
    propose_due_rewards(demo["org"])
    reward = lead.rewards.get(side="referrer", kind="rebate")
    other_manager = demo["manager3"]  # SZ01: not the lead's store, and not her customers
    client.force_login(other_manager)
    assert client.post(f"/referrals/rewards/{reward.pk}/approve/").status_code == 404
    client.force_login(demo["manager1"])
    before = client.get("/referrals/").context["figures"]["pending_rewards"]
    assert client.post(f"/referrals/rewards/{reward.pk}/approve/").status_code == 302
    assert client.get("/referrals/").context["figures"]["pending_rewards"] == before - 1
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    credit = Account.objects.get(customer=lead.referrer, kind=AccountKind.CREDIT)
    assert credit.balance == reward.amount == 100
    # Rejecting needs a reason.
    gift = lead.rewards.get(kind="gift")
    client.post(f"/referrals/rewards/{gift.pk}/reject/", {"reason": ""})
    gift.refresh_from_db()
    assert gift.status == RewardStatus.PROPOSED


@pytest.mark.parametrize("username", ROLE_USERS)
def test_leads_outside_the_scope_are_404(client, demo, username):
    staff = demo[username]
    client.force_login(staff)
    stranger_org = make_org()
    stranger_store = make_store(stranger_org)
    stranger = register_lead(
        make_customer(stranger_org, home_store=stranger_store),
        actor=make_staff(stranger_org, "admin"),
        store=stranger_store,
        name="别家",
    )
    outside = [stranger]
    hidden = (
        Customer.objects.filter(organization=demo["org"], home_store__isnull=False)
        .exclude(pk__in=visible_customers(staff).values("pk"))
        .first()
    )
    if hidden is not None:
        outside.append(
            register_lead(hidden, actor=demo["admin"], store=hidden.home_store, name="外店")
        )
    for lead in outside:
        assert client.get(f"/referrals/{lead.pk}/").status_code == 404
        assert client.post(f"/referrals/{lead.pk}/arrival/", {}).status_code == 404
        assert (
            client.post(
                f"/referrals/{lead.pk}/correction/", {"attribution": "walk_in", "reason": "x"}
            ).status_code
            == 404
        )
        listing = client.get("/referrals/").content.decode()
        assert f"/referrals/{lead.pk}/" not in listing
    assert client.get("/referrals/999999999/").status_code == 404
    assert client.post("/referrals/rewards/999999999/approve/").status_code == 404
    assert client.get("/referrals/?page=99999999999999999999").status_code == 400


def test_program_settings_edited_by_the_admin_read_by_managers(client, demo):
    client.force_login(demo["manager1"])
    assert client.get("/settings/referrals/").status_code == 200
    assert client.post("/settings/referrals/", {"registration_cutoff_days": 2}).status_code == 403
    client.force_login(demo["admin"])
    form = {
        "registration_cutoff_days": 2,
        "referrer_rebate_rate": "1.5",
        "referee_rebate_rate": "0.05",
        "gift_threshold": "1000",
        "gift_value": "480",
        "gift_description": "护肤品",
    }
    refused = client.post("/settings/referrals/", form)
    assert refused.status_code == 200 and "0 到 1" in refused.content.decode()
    assert (
        client.post("/settings/referrals/", {**form, "referrer_rebate_rate": "0.08"}).status_code
        == 302
    )
    demo["org"].referral_settings.refresh_from_db()
    assert str(demo["org"].referral_settings.referrer_rebate_rate) == "0.0800"


@pytest.mark.parametrize("username", ["admin", "manager1", "desk1"])
def test_referral_pages_show_labels_not_codes(client, demo, username):
    lead = _lead(demo)
    record_arrival(lead, actor=demo["admin"], facts=ArrivalFacts(came_in_group=True))
    client.force_login(demo[username])
    seen, problems = crawl(
        client, ["/referrals/", f"/referrals/{lead.pk}/", "/settings/referrals/"]
    )
    assert len(seen) >= 2
    assert problems == {}, problems


def test_the_golden_window_lists_recent_treatments_precise_first(client, demo):
    from revisit.customers.models import Tier

    org = demo["org"]
    today = date.today()
    manager = demo["manager1"]
    mine = list(
        visible_customers(manager).filter(is_blacklisted=False, is_dispute=False).order_by("pk")[:3]
    )
    recent, vip, old = mine
    Customer.objects.filter(pk=recent.pk).update(
        last_visit=today - timedelta(days=40), tier=Tier.C, satisfaction=""
    )
    Customer.objects.filter(pk=vip.pk).update(
        last_visit=today - timedelta(days=80), tier=Tier.A, satisfaction=""
    )
    Customer.objects.filter(pk=old.pk).update(
        last_visit=today - timedelta(days=200), tier=Tier.C, satisfaction=""
    )
    client.force_login(manager)
    page = client.get("/referrals/golden-window/?window=1-3&page=1")
    listed = [c.pk for c in page.context["customers"]]
    assert vip.pk in listed and recent.pk in listed and old.pk not in listed
    assert listed.index(vip.pk) < listed.index(recent.pk)  # precise first
    later = [c.pk for c in client.get("/referrals/golden-window/?window=4-11").context["customers"]]
    assert old.pk in later
    # Other stores' customers never appear.
    hidden = set(
        Customer.objects.filter(organization=org)
        .exclude(pk__in=visible_customers(manager).values("pk"))
        .values_list("pk", flat=True)
    )
    assert not hidden & set(listed)
    assert client.get("/referrals/golden-window/?window=99").status_code == 400
    export = client.get("/referrals/golden-window/?window=1-3&export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxml"
    )


def test_the_card_shows_the_referrers_type_and_approach(client, demo):
    sh01_customers = Customer.objects.filter(organization=demo["org"], home_store__code="SH01")
    referrer = sh01_customers.exclude(referral_leads__isnull=False).exclude(mobile="").first()
    client.force_login(demo["manager1"])
    page = client.get(f"/customers/{referrer.pk}/").content.decode()
    assert "未带过" in page and "引导她寻找目标" in page
    register_lead(referrer, actor=demo["admin"], store=referrer.home_store, name="朋友甲")
    page = client.get(f"/customers/{referrer.pk}/").content.decode()
    assert "已带过，有目标" in page and "索要新客电话" in page
