"""The front desk in a real browser: book from the calendar by clicking a free slot, a
booking outside the practitioner's shift refused, mark arrived, assign the receiving
consultant, record a consultation that ends in an order, and find it in the 10:00 report;
the roster, tomorrow's list and the practitioner's day on screen."""

from datetime import time, timedelta

import pytest

from revisit.appointments.models import Appointment, Consultation, Shift
from revisit.appointments.shifts import add_shift
from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer
from tests.factories import make_order
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


@pytest.fixture
def desk(demo_live):
    org = demo_live
    sh01 = Store.objects.get(organization=org, code="SH01")
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    doctor = people["doctor1"]
    Shift.objects.filter(practitioner=doctor).delete()
    for day in range(7):
        add_shift(
            sh01, doctor, weekday=day, starts=time(6), ends=time(23), actor=people["manager1"]
        )
    customer = (
        Customer.objects.filter(organization=org, home_store=sh01)
        .exclude(mobile="")
        .order_by("code")
        .first()
    )
    today = local_date(org)
    order = make_order(customer, "4800", on=today, store=sh01)
    return {
        "org": org,
        "sh01": sh01,
        "customer": customer,
        "order": order,
        "today": today,
        **people,
    }


def test_the_desk_from_booking_to_the_10_oclock_report(browser, live_server, desk):
    base, store, customer = live_server.url, desk["sh01"], desk["customer"]
    tomorrow = desk["today"] + timedelta(days=1)
    page = log_in(browser, live_server, "manager1")

    # Book from the calendar: tomorrow's day view, click the 10:00 slot of the practitioner.
    page.goto(f"{base}/calendar/?store={store.pk}&view=day&day={tomorrow.isoformat()}")
    page.locator("a.slot", has_text="10:00").first.click()
    assert page.input_value("input[name=time]") == "10:00"
    page.fill("input[name=customer]", customer.code)
    page.select_option("select[name=item]", index=1)
    page.click("#booking button[type=submit]")
    page.wait_for_load_state()
    assert "预约成功" in page.content(), page.locator("form#booking").inner_text()
    booked = Appointment.objects.get(customer=customer, practitioner=desk["doctor1"])
    assert booked.starts_at.astimezone(booked.starts_at.tzinfo).hour in (2, 10)
    page.goto(f"{base}/calendar/?store={store.pk}&view=week&day={tomorrow.isoformat()}")
    assert customer.name in page.locator("table.calendar").inner_text()
    shot(page, "desk-calendar-week")

    # A booking outside the shift (23:30, the shift ends at 23:00) is refused with a message.
    page.goto(
        f"{base}/calendar/book/?store={store.pk}&day={tomorrow.isoformat()}&time=23:30"
        f"&practitioner={desk['doctor1'].pk}"
    )
    page.fill("input[name=customer]", customer.code)
    page.click("#booking button[type=submit]")
    page.wait_for_load_state()
    assert "排班不包含" in page.content()
    shot(page, "desk-booking-refused")
    assert Appointment.objects.filter(customer=customer).count() == 1

    # Today's visit: booked without a practitioner, then on the desk.
    page.goto(f"{base}/calendar/book/?store={store.pk}&day={desk['today'].isoformat()}&time=09:00")
    page.fill("input[name=customer]", customer.code)
    page.click("#booking button[type=submit]")
    page.wait_for_load_state()
    visit = Appointment.objects.filter(customer=customer).exclude(pk=booked.pk).get()
    page.goto(f"{base}/desk/?store={store.pk}")
    row = page.locator(f"#appointment-{visit.pk}")
    row.locator("button.arrive").click()
    page.wait_for_load_state()
    row = page.locator(f"#appointment-{visit.pk}")
    assert row.locator(".status").inner_text() == "已到院"
    assert "0 分钟" in row.locator(".waiting").inner_text()

    # Assign the receiving consultant.
    row.locator("select[name=consultant]").select_option(label="林咨询")
    row.locator("form.assign button").click()
    page.wait_for_load_state()
    row = page.locator(f"#appointment-{visit.pk}")
    assert row.locator(".consultant").inner_text() == "林咨询"
    shot(page, "desk-arrivals")

    # Walk-in search by the last 4 digits.
    page.fill("input[name=q]", customer.mobile[-4:])
    page.click("#walk-in button[type=submit]")
    page.wait_for_load_state()
    assert customer.code in page.locator("#walk-in").inner_text()
    page.fill("input[name=q]", "0000x")
    page.click("#walk-in button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#no-card a").get_attribute("href") == "/customers/new/"
    shot(page, "desk-walk-in")

    # The consultation ends in an order.
    page.goto(f"{base}/desk/?store={store.pk}")
    page.locator(f"#appointment-{visit.pk} a", has_text="登记接诊").click()
    page.wait_for_load_state()
    page.fill("input[name=quoted_price]", "4800")
    page.fill("input[name=topics]", "玻尿酸填充")
    page.check("input[name=result][value=deal]")
    page.select_option("select[name=order]", value=str(desk["order"].pk))
    shot(page, "desk-consultation")
    page.click("#consultation button[type=submit]")
    page.wait_for_load_state()
    assert "接诊已登记" in page.content()
    consultation = Consultation.objects.get()
    assert (consultation.consultant.username, consultation.order) == ("consultant2", desk["order"])

    # The 10:00 report (of today, since the consultation was today) lists it.
    page.goto(f"{base}/reports/consultations/?day={desk['today'].isoformat()}")
    report = page.locator("section.consultant").inner_text()
    assert "林咨询" in report and customer.name in report and "4800" in report
    assert "成交" in report
    shot(page, "desk-report-10am")
    page.goto(f"{base}/reports/daily/?day={desk['today'].isoformat()}")
    shot(page, "desk-daily-report")

    # Tomorrow's list for the 18:00 review, and the roster.
    page.goto(f"{base}/calendar/tomorrow/?store={store.pk}")
    assert customer.name in page.locator("#tomorrow").inner_text()
    shot(page, "desk-tomorrow")
    page.goto(f"{base}/roster/?store={store.pk}")
    shot(page, "desk-roster")


def test_the_practitioner_writes_the_post_treatment_note(browser, live_server, desk):
    from revisit.appointments.services import book_appointment, mark_arrived
    from revisit.core.clock import day_bounds

    start, _end = day_bounds(desk["org"], desk["today"])
    visit = book_appointment(
        desk["customer"],
        starts_at=start + timedelta(hours=7),
        actor=desk["manager1"],
        store=desk["sh01"],
        practitioner=desk["doctor1"],
        now=start,
    )
    mark_arrived(visit, actor=desk["manager1"])
    page = log_in(browser, live_server, "doctor1")
    page.goto(f"{live_server.url}/practitioner/")
    card = page.locator(f"#appointment-{visit.pk}")
    assert desk["customer"].name in card.inner_text()
    shot(page, "desk-practitioner-day")
    card.locator("textarea[name=note]").fill("术后冰敷，三天内避免沾水")
    card.locator("button", has_text="治疗完成").click()
    page.wait_for_load_state()
    assert "治疗完成" in page.content()
    visit.refresh_from_db()
    assert visit.status == "done" and visit.treatment_note.startswith("术后冰敷")
