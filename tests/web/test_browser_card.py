"""In a real browser: the front desk registers a customer (the duplicate number is caught
and the existing card offered), edits the card and reads its history; the store manager
hands her to another consultant with a reason; a practitioner sees the warning for a
缺陷恐惧型 customer at the top of her page."""

from revisit.core.models import Role
from revisit.customers.models import Customer, CustomerChange
from revisit.customers.psychology import psychology_types
from revisit.demo import DEMO_PASSWORD
from tests.factories import make_customer, make_order, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _person(org, role, store, name):
    staff = make_staff(org, role, store=store, name=name)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def _shop():
    org = make_org()
    store = make_store(org)
    people = {
        "desk": _person(org, Role.FRONT_DESK, store, "前台小张"),
        "manager": _person(org, Role.STORE_MANAGER, store, "李店长"),
        "doctor": _person(org, Role.PRACTITIONER, store, "唐医生"),
        "first": make_staff(org, Role.CONSULTANT, store=store, name="陈咨询"),
        "second": make_staff(org, Role.CONSULTANT, store=store, name="林咨询"),
    }
    existing = make_customer(org, "OLD-1", name="老顾客", mobile="+8613800000001", home_store=store)
    return org, store, existing, people


def test_register_edit_history_and_owner_change(browser, live_server):
    org, store, existing, people = _shop()
    page = log_in(browser, live_server, people["desk"].username)
    page.goto(f"{live_server.url}/customers/")
    page.click("#new-card")
    form = page.locator("#card-form")
    form.locator("input[name=name]").fill("王小美")
    form.locator("input[name=mobile]").fill("138 0000 0001")  # the old customer's number
    form.locator("select[name=channel]").select_option("newspaper")
    form.locator("select[name=owner]").select_option(label="陈咨询")
    form.locator("textarea[name=allergies]").fill("青霉素")
    form.locator("input[name=tags]").fill("敏感肌")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#duplicate")
    assert "老顾客" in page.locator("#duplicate").inner_text()
    shot(page, "card-duplicate")
    page.locator("#card-form input[name=mobile]").fill("13912345678")
    page.locator("#card-form button[type=submit]").click()
    page.wait_for_selector("#profile")
    customer = Customer.objects.get(mobile="+8613912345678")
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert "报纸" in page.locator("#acquisition").inner_text()
    # The desk wrote the allergy but may not read it back.
    assert "青霉素" not in page.content()
    shot(page, "card-created")

    page.click("#edit-card")
    assert page.locator("#card-form select[name=channel]").is_disabled()
    page.fill("#card-form input[name=occupation]", "教师")
    page.fill("#card-form input[name=address]", "上海市静安区南京西路 1 号")
    shot(page, "card-edit")
    page.click("#card-form button[type=submit]")
    page.wait_for_selector("#field-history")
    history = page.locator("#field-history").inner_text()
    assert "职业" in history and "教师" in history and "前台小张" in history
    shot(page, "card-history")

    page = log_in(browser, live_server, people["manager"].username)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("#change-owner summary")
    page.select_option("#change-owner select[name=owner]", label="林咨询")
    page.fill("#change-owner input[name=reason]", "原咨询师休假")
    page.click("#change-owner button[type=submit]")
    page.wait_for_selector("#owner:has-text('林咨询')")
    history = page.locator("#field-history").inner_text()
    assert "原咨询师休假" in history and "陈咨询" in history
    assert "青霉素" in page.locator("#health").inner_text()  # the manager reads it
    shot(page, "card-owner-changed")

    page.click("#add-note summary")
    page.fill("#add-note textarea[name=text]", "喜欢周六下午来")
    page.click("#add-note button[type=submit]")
    page.wait_for_selector("#timeline + table tr.note")
    assert "喜欢周六下午来" in page.locator("table.timeline").inner_text()
    page.click("#set-tags summary")
    page.fill("#set-tags input[name=tags]", "敏感肌, 老带新")
    page.click("#set-tags button[type=submit]")
    page.wait_for_selector("#tags:has-text('老带新')")
    page.click("#log-contact summary")
    page.select_option("#log-contact select[name=outcome]", "valid_2")
    page.fill("#log-contact textarea[name=note]", "下月再约")
    page.click("#log-contact button[type=submit]")
    page.wait_for_selector("table.timeline tr.followup")
    assert "有效二级" in page.locator("table.timeline").inner_text()
    shot(page, "card-timeline")
    customer.refresh_from_db()
    assert customer.owner == people["second"]
    assert CustomerChange.objects.filter(customer=customer, kind="owner").count() == 1


def test_a_practitioner_sees_the_warning_for_a_defect_fear_patient(browser, live_server):
    org, store, existing, people = _shop()
    fearful = next(t for t in psychology_types(org) if t.operate_with_caution)
    existing.psychology_type = fearful
    existing.allergies = "利多卡因"
    existing.save()
    make_order(existing, "980", practitioner=people["doctor"])
    page = log_in(browser, live_server, people["doctor"].username)
    page.goto(f"{live_server.url}/customers/{existing.pk}/")
    flags = page.locator("#flags").inner_text()
    assert "缺陷恐惧型" in flags and "不宜轻易" in flags and "利多卡因" in flags
    shot(page, "card-pretreatment-warning")


def test_the_admin_corrects_the_channel_and_flags_a_psychology_type(browser, live_server):
    org, store, existing, people = _shop()
    admin = _person(org, Role.ADMIN, None, "周运营")
    existing.channel = "tv"
    existing.save()
    page = log_in(browser, live_server, admin.username)
    page.goto(f"{live_server.url}/customers/{existing.pk}/")
    page.click("#correct-acquisition summary")
    page.select_option("#correct-acquisition select[name=channel]", "online")
    page.fill("#correct-acquisition input[name=reason]", "前台录错")
    page.click("#correct-acquisition button[type=submit]")
    page.wait_for_selector("#acquisition:has-text('网络')")
    assert "前台录错" in page.locator("#field-history").inner_text()
    page.goto(f"{live_server.url}/settings/psychology/")
    row = page.locator("#psychology-types tr", has_text="缺陷障碍型")
    row.locator("a").click()
    page.check("input[name=needs_intervention]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/settings/psychology/")
    assert "✓" in page.locator("#psychology-types tr", has_text="缺陷障碍型").inner_text()
    shot(page, "settings-psychology-types")
