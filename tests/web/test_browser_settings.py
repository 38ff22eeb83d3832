"""The settings pages in a real browser: the organization's admin edits a custom class
row and saves it, and an inconsistent AHP matrix is refused with its consistency ratio;
every settings page is screenshotted."""

from revisit.demo import DEMO_PASSWORD
from revisit.grading.services import grading_settings
from revisit.outreach.cadences import install_default_cadences
from revisit.outreach.models import Cadence, Strategy
from revisit.outreach.strategies import install_default_strategies
from tests.factories import Role, make_org, make_staff, make_store
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def _person(org, role, **where):
    staff = make_staff(org, role, **where)
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return staff


def _organization():
    org = make_org()
    store = make_store(org)
    install_default_cadences(org)
    install_default_strategies(org)
    settings = grading_settings(org)
    settings.band_rules = [
        {"code": "K1", "name": "核心", "bounds": {"monetary": {"min": 50000}}},
        {"code": "K2", "name": "活跃", "bounds": {"recency_days": {"max": 90}}},
    ]
    settings.save()
    _person(org, Role.CONSULTANT, store=store)
    return org, _person(org, Role.ADMIN), _person(org, Role.STORE_MANAGER, store=store)


def test_the_admin_edits_a_class_row_and_is_refused_an_inconsistent_ahp_matrix(
    browser, live_server
):
    org, admin, manager = _organization()
    page = log_in(browser, live_server, admin.username)
    page.click("nav >> text=设置")
    page.wait_for_selector("#settings-nav")
    shot(page, "settings")

    page.goto(f"{live_server.url}/settings/grading/classes/")
    row = page.locator("#bands tbody tr").first
    assert row.locator("input[name$=-code]").input_value() == "K1"
    row.locator("input[name$=-monetary_min]").fill("60000")
    row.locator("input[name$=-frequency_min]").fill("3")
    shot(page, "settings-classes")
    page.click("#bands-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    rules = grading_settings(org).band_rules
    assert rules[0]["bounds"] == {"frequency": {"min": 3}, "monetary": {"min": 60000}}
    assert rules[1]["code"] == "K2"

    page.goto(f"{live_server.url}/settings/grading/weights/")
    page.check("input[name=mode][value=ahp]")
    page.select_option("select[name=ahp_recency_days__frequency]", "9")
    page.select_option("select[name=ahp_frequency__monetary]", "9")
    page.select_option("select[name=ahp_recency_days__monetary]", "1/9")
    page.click("#weights-form button[type=submit]")
    refusal = page.locator("#weights-form .errorlist").first.inner_text()
    assert "一致性比率" in refusal and "CR" in refusal
    assert page.locator("#ahp-result").inner_text().startswith("一致性比率 CR")
    shot(page, "settings-weights-refused")
    assert grading_settings(org).score_weights == {
        "recency_days": 1,
        "frequency": 1,
        "monetary": 1,
    }

    cadence = Cadence.objects.filter(organization=org).first()
    strategy = Strategy.objects.filter(organization=org).first()
    for name, path in [
        ("settings-grading", "/settings/grading/"),
        ("settings-weights", "/settings/grading/weights/"),
        ("settings-outreach", "/settings/outreach/"),
        ("settings-quotas", "/settings/quotas/"),
        ("settings-cadences", "/settings/cadences/"),
        ("settings-cadence-new", "/settings/cadences/new/"),
        ("settings-cadence-edit", f"/settings/cadences/{cadence.pk}/"),
        ("settings-cadence-delete", f"/settings/cadences/{cadence.pk}/delete/"),
        ("settings-strategies", "/strategies/"),
        ("settings-strategy-edit", f"/strategies/{strategy.pk}/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("#settings").count() == 1, path
        shot(page, name)
    page.close()

    page = log_in(browser, live_server, manager.username)
    page.goto(f"{live_server.url}/settings/grading/")
    assert page.locator("#read-only").is_visible()
    assert page.locator("#settings input, #settings select, #settings button").count() == 0
    shot(page, "settings-grading-read-only")
    page.goto(f"{live_server.url}/settings/grading/classes/")
    shot(page, "settings-classes-read-only")
