"""The customers page's filters in a real browser: the selects (drawn in Python) submit
through htmx, the rows (drawn in Python) follow, and the choice stays selected."""

from revisit.customers.models import Customer, Tag
from tests.web.browser import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_an_admin_filters_by_tier_and_tag_and_sees_only_those_rows(browser, live_server, demo_live):
    org = demo_live
    tag = Tag.objects.create(organization=org, name="<年卡>")
    chosen = list(Customer.objects.filter(organization=org).order_by("code")[:3])
    for c in chosen:
        c.tier = "A"
        c.save(update_fields=["tier"])
    tag.customers.add(*chosen)
    Customer.objects.filter(organization=org, code=chosen[0].code).update(tier="B")
    page = log_in(browser, live_server, "admin")
    page.goto(f"{live_server.url}/customers/")
    page.locator("select[name=tier]").select_option("A")
    page.locator("select[name=tag]").select_option(label="<年卡>")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(f"**/customers/?*tag={tag.pk}*")
    rows = page.locator("#results tbody tr")
    codes = sorted(c.code for c in chosen[1:])
    page.wait_for_function(
        "n => document.querySelectorAll('#results tbody tr').length === n", arg=len(codes)
    )
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(len(codes))] == codes
    assert all("A" in rows.nth(i).locator("td").nth(4).inner_text() for i in range(len(codes)))
    assert "*" in rows.first.locator("td").nth(2).inner_text()  # the number is masked
    shot(page, "customers-filtered-tier-tag")
    page.reload()
    assert page.locator("select[name=tier]").input_value() == "A"
    assert page.locator("select[name=tag] option:checked").inner_text() == "<年卡>"


def test_a_store_manager_pages_on_and_back_through_a_filtered_list(browser, live_server, demo_live):
    from revisit.core.access import visible_customers
    from revisit.core.models import Staff

    manager = Staff.objects.get(organization=demo_live, username="manager1")
    codes = list(visible_customers(manager).order_by("code").values_list("code", flat=True))
    page = log_in(browser, live_server, "manager1")
    page.goto(f"{live_server.url}/customers/")
    page.locator("select[name=tier]").select_option("")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/customers/?*tier=*")
    first_cell = page.locator("#results tbody tr td:first-child")

    def shown() -> list[str]:
        return first_cell.all_inner_texts()

    assert shown() == codes[:50]
    for number in (2, 3):
        page.locator(".pager a[rel=next]").click()
        page.wait_for_url(f"**/customers/?*page={number}*")
        assert page.locator(".pager span").inner_text() == f"第 {number} 页"
        assert shown() == codes[50 * (number - 1) : 50 * number]
        assert "tier=" in page.url and "after=" in page.url  # the filter goes on
    shot(page, "customers-page-3")
    page.locator(".pager a[rel=prev]").click()
    page.wait_for_url("**/customers/?*page=2*")
    assert shown() == codes[50:100]
    page.locator(".pager a[rel=prev]").click()
    page.wait_for_function("() => !document.querySelector('.pager a[rel=prev]')")
    assert shown() == codes[:50] and "page=" not in page.url
