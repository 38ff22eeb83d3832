"""A whole year of the daily tick (the clock travels day by day): every default journey
fires on its day for the tiers its rows name, lunar festivals and a lunar birthday on
their solar dates, and nothing fires twice."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from revisit.journeys.models import Journey, JourneyFiring, StoreTask
from revisit.journeys.tick import run_day
from revisit.messaging.models import Message
from revisit.outreach.models import ScheduledContact
from revisit.wallet.points_models import MembershipCard
from tests.factories import make_customer, make_order
from tests.journeys.conftest import SHANGHAI, member

pytestmark = pytest.mark.django_db


def tick(org, day):
    with time_machine.travel(datetime.combine(day, time(6, 30), tzinfo=SHANGHAI), tick=False):
        return run_day(org, day)


def days(start, end):
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def fired_days(org, name):
    """customer code → the days the journey fired for her."""
    found = defaultdict(list)
    for code, fired in JourneyFiring.objects.filter(
        organization=org, journey__name=name
    ).values_list("customer__code", "fired_on"):
        found[code].append(fired)
    return dict(found)


def messages(org, template):
    return sorted(
        Message.objects.filter(organization=org, template__name=template).values_list(
            "customer__code", flat=True
        )
    )


def test_a_year_of_ticks(shop):
    org, p = shop.org, shop.people
    p["A"].birthday = date(1985, 7, 20)
    p["A"].save()
    p["B"].birthday, p["B"].birthday_is_lunar = date(1990, 8, 15), True  # 农历八月十五
    p["B"].save()
    p["C"].wedding_anniversary = date(2015, 5, 20)
    p["C"].save()
    make_order(p["C"], "880.00", on=date(2026, 4, 10), store=shop.store)
    newcomer = make_customer(
        org, "NEW", name="赵新", mobile="+8613900000001", home_store=shop.store
    )
    make_order(newcomer, "5200.00", on=date(2026, 4, 10), store=shop.store)
    member(newcomer, since=date(2026, 4, 10))
    MembershipCard.objects.filter(customer=newcomer).update(card_ready_on=date(2026, 4, 15))

    for day in days(date(2026, 1, 1), date(2026, 12, 31)):
        tick(org, day)

    everyone = sorted(["SVIP", "A", "B", "C", "NM", "TEACHER", "SOLDIER", "NEW"])
    holidays = {
        "元旦": date(2026, 1, 1),
        "春节": date(2026, 2, 17),
        "情人节": date(2026, 2, 14),
        "劳动节": date(2026, 5, 1),
        "端午节": date(2026, 6, 19),
        "父亲节": date(2026, 6, 21),
        "中秋节": date(2026, 9, 25),
        "国庆节": date(2026, 10, 1),
        "圣诞节": date(2026, 12, 25),
    }
    for name, day in holidays.items():
        fired = fired_days(org, name)
        assert all(d == [day] for d in fired.values()), (name, fired)
    # Greeting journeys (members and non-members):
    assert sorted(fired_days(org, "元旦")) == everyone
    assert fired_days(org, "建军节（军人）") == {"SOLDIER": [date(2026, 8, 1)]}
    assert fired_days(org, "教师节（教师）") == {"TEACHER": [date(2026, 9, 10)]}

    # 春节 by tier: A and SVIP a call and a gift at home; B an SMS and an invitation to
    # collect a gift; C an SMS and a mailed card; a non-member the non-member SMS.
    # (the newcomer is a member of tier C now; she never agreed to marketing SMS)
    assert messages(org, "春节祝福短信") == sorted(["B", "C", "NEW", "NM", "TEACHER", "SOLDIER"])
    held = Message.objects.get(template__name="春节祝福短信", customer=newcomer)
    assert (held.status, held.suppression_reason) == ("suppressed", "no_consent")
    nm = Message.objects.get(template__name="春节祝福短信", customer=p["NM"])
    assert nm.text.startswith("【示例服饰】开春团圆") and nm.text.endswith("回T退订")
    calls = ScheduledContact.objects.filter(organization=org, reason="journey:春节")
    assert sorted(calls.values_list("customer__code", flat=True)) == ["A", "SVIP"]
    assert set(calls.values_list("due_on", flat=True)) == {date(2026, 2, 17)}
    tasks = StoreTask.objects.filter(organization=org, journey__name="春节")
    assert sorted(
        tasks.filter(title="上门赠送春节礼品").values_list("customer__code", flat=True)
    ) == [
        "A",
        "SVIP",
    ]
    assert sorted(tasks.filter(title="寄送节日贺卡").values_list("customer__code", flat=True)) == [
        "C",
        "NEW",
        "SOLDIER",
    ]
    assert sorted(
        tasks.filter(title="邀请到店领取春节礼品").values_list("customer__code", flat=True)
    ) == ["B", "TEACHER"]

    # Birthdays: a solar one, and a lunar one on its solar date (农历八月十五 = 2026-09-25).
    assert fired_days(org, "生日") == {"A": [date(2026, 7, 20)], "B": [date(2026, 9, 25)]}
    assert fired_days(org, "结婚纪念日") == {"C": [date(2026, 5, 20)]}
    # Members since 2020-03-09 (the newcomer only since this year: no anniversary yet).
    anniversary = fired_days(org, "入会周年")
    assert sorted(anniversary) == ["A", "B", "C", "SOLDIER", "SVIP", "TEACHER"]
    assert all(d == [date(2026, 3, 9)] for d in anniversary.values())
    # Quarterly new season: A/B (and SVIP) by phone, C by SMS.
    season = fired_days(org, "季度新品上市")
    starts = [date(2026, 3, 1), date(2026, 6, 1), date(2026, 9, 1), date(2026, 12, 1)]
    assert season["A"] == starts and season["C"] == starts and "NM" not in season
    season_calls = ScheduledContact.objects.filter(reason="journey:季度新品上市")
    assert sorted(set(season_calls.values_list("customer__code", flat=True))) == [
        "A",
        "B",
        "SVIP",
        "TEACHER",
    ]
    assert messages(org, "新品上市短信").count("C") == 4

    # 1-3-5 after the purchase of 2026-04-10.
    assert fired_days(org, "售后1天 积分短信") == {
        "C": [date(2026, 4, 11)],
        "NEW": [date(2026, 4, 11)],
    }
    points = Message.objects.get(template__name="购物次日积分短信", customer=p["C"])
    assert "4月10日" in points.text and "880.00元" in points.text
    assert fired_days(org, "售后3天 电话回访") == {
        "C": [date(2026, 4, 13)],
        "NEW": [date(2026, 4, 13)],
    }
    assert fired_days(org, "售后5天 领取会员卡") == {"NEW": [date(2026, 4, 15)]}
    pickup = Message.objects.get(template__name="会员卡领取通知")
    assert "4月15日" in pickup.text

    # Nothing twice: one firing per journey, customer and trigger date; and the event
    # journey (no date yet, off) never fired.
    assert not fired_days(org, "店庆活动前一周")
    before = (JourneyFiring.objects.count(), Message.objects.count(), StoreTask.objects.count())
    for day in (date(2026, 2, 17), date(2026, 4, 11), date(2026, 9, 25)):
        result = tick(org, day)
        assert result.fired == 0
    after = (JourneyFiring.objects.count(), Message.objects.count(), StoreTask.objects.count())
    assert before == after


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_lunar_festivals_fire_on_their_lunar_dates(shop, year):
    expected = {
        2026: {"春节": date(2026, 2, 17), "端午节": date(2026, 6, 19), "中秋节": date(2026, 9, 25)},
        2027: {"春节": date(2027, 2, 6), "端午节": date(2027, 6, 9), "中秋节": date(2027, 9, 15)},
        2028: {"春节": date(2028, 1, 26), "端午节": date(2028, 5, 28), "中秋节": date(2028, 10, 3)},
    }[year]
    for day in expected.values():
        for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
            tick(shop.org, d)
    for name, day in expected.items():
        fired = fired_days(shop.org, name)
        assert fired and all(d == [day] for d in fired.values()), (name, fired)


def test_the_day_before_setting_moves_a_holiday(shop):
    Journey.objects.filter(organization=shop.org, name="中秋节").update(days=1)
    for d in days(date(2027, 9, 13), date(2027, 9, 16)):
        tick(shop.org, d)
    fired = fired_days(shop.org, "中秋节")
    assert fired and all(d == [date(2027, 9, 14)] for d in fired.values())
    assert set(
        JourneyFiring.objects.filter(journey__name="中秋节").values_list("occurs_on", flat=True)
    ) == {date(2027, 9, 15)}


def test_a_lunar_birthday_each_year_and_a_day_30_in_a_short_month(shop):
    b, c = shop.people["B"], shop.people["C"]
    b.birthday, b.birthday_is_lunar = date(1990, 8, 15), True
    b.save()
    # Born on 农历八月三十; 八月 of 2026 has 29 days, so she is greeted on its 29th.
    c.birthday, c.birthday_is_lunar = date(1988, 8, 30), True
    c.save()
    for day in (date(2026, 9, 25), date(2027, 9, 15), date(2028, 10, 3), date(2026, 10, 9)):
        tick(shop.org, day)
    fired = fired_days(shop.org, "生日")
    assert fired["B"] == [date(2026, 9, 25), date(2027, 9, 15), date(2028, 10, 3)]
    assert fired["C"] == [date(2026, 10, 9)]
