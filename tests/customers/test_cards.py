"""The card services: registration with the duplicate check, edits that keep a field
history, the channel lock and the administrator's correction, tags and notes, the
pre-treatment warnings and "must meet"."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from revisit.appointments.models import Appointment
from revisit.core.models import AuditEvent
from revisit.customers.cards import (
    CardError,
    DuplicateMobile,
    add_note,
    correct_acquisition,
    register_customer,
    set_tags,
    update_customer,
)
from revisit.customers.flags import must_meet, pretreatment_warnings
from revisit.customers.models import CustomerChange, PsychologyType
from revisit.customers.psychology import psychology_types
from revisit.outreach.models import CallTask, FollowUp
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


def _register(shop, actor="desk", **values):
    values = {"name": "新顾客", "mobile": "139 0000 0002", **values}
    return register_customer(shop["org"], actor=shop[actor], values=values)


def test_the_desk_registers_a_card_in_her_store_with_a_code_and_an_audit_event(shop):
    customer = _register(shop, channel="newspaper", allergies="青霉素")
    assert customer.mobile == "+8613900000002"
    assert customer.home_store == shop["store"]  # her only store
    assert customer.code.startswith("K") and customer.first_visit is not None
    assert customer.created_by == shop["desk"] and customer.allergies == "青霉素"
    assert AuditEvent.objects.filter(action="customer.register", target_id=str(customer.pk))


def test_a_consultant_owns_the_cards_she_registers(shop):
    customer = _register(shop, actor="consultant")
    assert customer.owner == shop["consultant"]
    with pytest.raises(CardError) as err:
        register_customer(
            shop["org"],
            actor=shop["consultant"],
            values={"name": "乙", "mobile": "13900000003"},
            owner=shop["consultant_b"],
        )
    assert err.value.field == "owner"


@pytest.mark.parametrize("role", ["caller", "doctor"])
def test_callers_and_practitioners_do_not_register_cards(shop, role):
    with pytest.raises(PermissionDenied):
        _register(shop, actor=role)


def test_a_duplicate_mobile_is_refused_and_names_the_existing_card(shop):
    with pytest.raises(DuplicateMobile) as err:
        _register(shop, mobile="+86 138-0000-0001")
    assert err.value.existing == shop["existing"]
    # The same number typed differently on an edit is refused too.
    other = _register(shop)
    with pytest.raises(DuplicateMobile):
        update_customer(other, actor=shop["manager"], values={"mobile": "13800000001"})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": "我的电话"}, "mobile"),
        ({"mobile2": "999"}, "mobile2"),
        ({"name": "名" * 101}, "name"),
        ({"name": "  "}, "name"),
        ({"address": "路" * 201}, "address"),
        ({"allergies": "x" * 2001}, "allergies"),
        ({"birthday": date(1899, 12, 31)}, "birthday"),
        ({"birthday": date.today() + timedelta(days=2)}, "birthday"),
        ({"first_visit": date(2999, 1, 1)}, "first_visit"),
        ({"gender": "X"}, "gender"),
        ({"channel": "telepathy"}, "channel"),
        ({"risk_flags": ["anxious", "made_up"]}, "risk_flags"),
        ({"occupation": "a\x00b"}, "occupation"),
    ],
)
def test_hostile_values_are_refused_with_the_field_named(shop, values, field):
    with pytest.raises(CardError) as err:
        _register(shop, **values)
    assert err.value.field == field and str(err.value)


def test_a_store_outside_her_stores_is_refused(shop):
    with pytest.raises(CardError) as err:
        _register(shop, home_store=shop["other"])
    assert err.value.field == "home_store"


def test_every_edit_keeps_who_when_before_and_after(shop):
    customer = _register(shop, occupation="教师")
    changed = update_customer(
        customer,
        actor=shop["manager"],
        values={"occupation": "医生", "address": "上海市静安区", "name": "新顾客"},
    )
    assert set(changed) == {"occupation", "address"}
    rows = {c.field: c for c in CustomerChange.objects.filter(customer=customer)}
    assert (rows["occupation"].before, rows["occupation"].after) == ("教师", "医生")
    assert rows["address"].actor == shop["manager"] and rows["address"].changed_at
    assert update_customer(customer, actor=shop["manager"], values={"occupation": "医生"}) == {}
    assert CustomerChange.objects.filter(customer=customer).count() == 2


def test_channel_and_referrer_once_set_change_only_by_an_admin_correction(shop):
    customer = _register(shop, channel="tv", referrer=shop["existing"])
    for actor in ("desk", "manager", "admin"):
        with pytest.raises(CardError):
            update_customer(customer, actor=shop[actor], values={"channel": "online"})
        with pytest.raises(CardError):
            update_customer(customer, actor=shop[actor], values={"referrer": None})
    with pytest.raises(PermissionDenied):
        correct_acquisition(
            customer, actor=shop["manager"], channel="online", referrer=None, reason="录错"
        )
    with pytest.raises(CardError):
        correct_acquisition(
            customer, actor=shop["admin"], channel="online", referrer=None, reason=""
        )
    correct_acquisition(
        customer, actor=shop["admin"], channel="online", referrer=None, reason="前台录错"
    )
    customer.refresh_from_db()
    assert customer.channel == "online" and customer.referrer is None
    corrections = CustomerChange.objects.filter(customer=customer, kind="correction")
    assert {c.field for c in corrections} == {"channel", "referrer"}
    assert {c.reason for c in corrections} == {"前台录错"}
    event = AuditEvent.objects.get(action="customer.correct_acquisition")
    assert event.data["before"]["channel"] == "tv" and event.data["reason"] == "前台录错"


def test_an_empty_channel_may_be_set_once_by_an_edit(shop):
    customer = _register(shop)
    update_customer(customer, actor=shop["desk"], values={"channel": "walk_in"})
    customer.refresh_from_db()
    assert customer.channel == "walk_in"


def test_health_data_is_changed_only_by_roles_that_may_read_it(shop):
    customer = _register(shop, actor="consultant", allergies="花粉")
    with pytest.raises(PermissionDenied):
        update_customer(customer, actor=shop["consultant"], values={"allergies": ""})
    update_customer(customer, actor=shop["manager"], values={"allergies": "花粉、青霉素"})
    customer.refresh_from_db()
    assert customer.allergies == "花粉、青霉素"


def test_tags_and_notes(shop):
    customer = _register(shop)
    assert set_tags(customer, actor=shop["desk"], names=["VIP", " 敏感肌 ", "VIP", ""])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "敏感肌"]
    assert not set_tags(customer, actor=shop["desk"], names=["敏感肌", "VIP"])
    history = CustomerChange.objects.get(customer=customer, field="tags")
    assert history.after == "VIP,敏感肌"
    with pytest.raises(CardError):
        set_tags(customer, actor=shop["desk"], names=["标" * 51])
    with pytest.raises(CardError):
        set_tags(customer, actor=shop["desk"], names=[str(n) for n in range(21)])
    note = add_note(customer, actor=shop["caller"], text="  喜欢下午来  ")
    assert note.text == "喜欢下午来"
    with pytest.raises(CardError):
        add_note(customer, actor=shop["caller"], text=" ")


def test_the_default_psychology_types_and_the_pretreatment_warnings(shop):
    types = {t.name: t for t in psychology_types(shop["org"])}
    assert list(types) == [
        "单纯美容型",
        "要求过高型",
        "敏感多疑型",
        "强迫意识型",
        "缺陷障碍型",
        "缺陷恐惧型",
    ]
    assert {n for n, t in types.items() if t.needs_intervention} == {
        "要求过高型",
        "强迫意识型",
        "缺陷恐惧型",
    }
    assert [n for n, t in types.items() if t.operate_with_caution] == ["缺陷恐惧型"]
    assert psychology_types(shop["org"]).count() == 6  # installed once
    customer = _register(
        shop,
        psychology_type=types["缺陷恐惧型"],
        risk_flags=["anxious"],
        allergies="利多卡因",
    )
    warnings = pretreatment_warnings(customer)
    assert any("缺陷恐惧型" in w and "不宜轻易" in w for w in warnings)
    assert any("利多卡因" in w for w in warnings)
    hidden = pretreatment_warnings(customer, staff=shop["caller"])
    assert not any("利多卡因" in w for w in hidden)
    plain = _register(shop, mobile="13900000009", psychology_type=types["单纯美容型"])
    assert pretreatment_warnings(plain) == []
    other = PsychologyType.objects.create(organization=make_org(), name="别家")
    with pytest.raises(CardError):
        _register(shop, mobile="13900000010", psychology_type=other)


def test_must_meet_after_an_activation_call_woke_her_until_she_arrives(shop):
    customer = shop["existing"]
    now = timezone.now()
    assert not must_meet(customer, now=now)
    task = CallTask.objects.create(
        organization=shop["org"],
        customer=customer,
        assignee=shop["consultant"],
        due_date=now.date(),
        source=CallTask.Source.SEGMENT,
        status=CallTask.Status.DONE,
    )
    FollowUp.objects.create(
        organization=shop["org"],
        customer=customer,
        task=task,
        actor=shop["consultant"],
        channel="call",
        outcome="valid_2",
        contacted_at=now - timedelta(days=3),
    )
    assert must_meet(customer, now=now)
    assert not must_meet(customer, now=now + timedelta(days=100))
    Appointment.objects.create(
        organization=shop["org"],
        customer=customer,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=1),
        status="arrived",
        arrived_at=now - timedelta(days=1),
    )
    assert not must_meet(customer, now=now)


def test_an_owner_edits_her_customer_of_another_store_without_moving_her(shop):
    customer = make_customer(
        shop["org"],
        name="外店",
        mobile="+8613900000011",
        home_store=shop["other"],
        owner=shop["consultant"],
    )
    update_customer(
        customer,
        actor=shop["consultant"],
        values={"home_store": shop["other"], "occupation": "护士"},
    )
    with pytest.raises(CardError):
        update_customer(
            make_customer(shop["org"], owner=shop["consultant"]),
            actor=shop["consultant"],
            values={"home_store": shop["other"]},
        )


def test_the_history_names_a_referrer_by_code_only(shop):
    customer = _register(shop)
    update_customer(customer, actor=shop["desk"], values={"referrer": shop["existing"]})
    change = CustomerChange.objects.get(customer=customer, field="referrer")
    assert change.after == "OLD-1"
