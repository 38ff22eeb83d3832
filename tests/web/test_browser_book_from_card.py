"""From the customer's page to a booking: 新建预约 opens the calendar's booking form for her
at her store, and booking it puts her on the calendar."""

from datetime import time, timedelta

from revisit.appointments.models import Appointment, Shift
from revisit.appointments.shifts import add_shift
from revisit.core.clock import local_date
from revisit.core.models import Staff, Store
from revisit.customers.models import Customer
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_the_customer_page_books_her_an_appointment(browser, live_server, demo_live):
    org = demo_live
    sh01 = Store.objects.get(organization=org, code="SH01")
    people = {s.username: s for s in Staff.objects.filter(organization=org)}
    doctor = people["doctor1"]
    Shift.objects.filter(practitioner=doctor).delete()
    for day in range(7):
        add_shift(
            sh01, doctor, weekday=day, starts=time(6), ends=time(23), actor=people["manager1"]
        )
    customer = Customer.objects.filter(organization=org, home_store=sh01).order_by("code").first()
    tomorrow = local_date(org) + timedelta(days=1)

    page = log_in(browser, live_server, "manager1")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("#book-appointment")
    page.wait_for_load_state()
    assert page.input_value("input[name=customer]") == customer.code
    page.fill("input[name=day]", tomorrow.isoformat())
    page.fill("input[name=time]", "11:00")
    page.select_option("select[name=practitioner]", str(doctor.pk))
    shot(page, "card-book-appointment")
    page.click("#booking button[type=submit]")
    page.wait_for_load_state()
    assert "预约成功" in page.content(), page.locator("form#booking").inner_text()
    booked = Appointment.objects.get(customer=customer, practitioner=doctor)
    assert booked.store == sh01
