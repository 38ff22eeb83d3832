"""The organization's admin manages its people without a superuser: accounts with
one-time passwords that must be changed at the first login, resets, roles, deactivation;
store managers read their store's people; everyone changes her own password."""

import pytest
from django.test import Client

from revisit.core.models import AuditEvent, Role, Staff
from revisit.core.services import create_organization
from tests.factories import log_in, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = make_org()
    store = make_store(org, "S1")
    other_store = make_store(org, "S2")
    return {
        "org": org,
        "store": store,
        "other_store": other_store,
        "admin": make_staff(org, Role.ADMIN, name="管理员"),
        "manager": make_staff(org, Role.STORE_MANAGER, store=store, name="店长"),
        "consultant": make_staff(org, Role.CONSULTANT, store=store, name="顾问甲"),
        "elsewhere": make_staff(org, Role.CONSULTANT, store=other_store, name="顾问乙"),
    }


def one_time_password(response) -> str:
    page = response.content.decode()
    return page.split('id="one-time-password">')[1].split("<")[0]


def test_a_new_account_must_choose_its_password_at_the_first_login(client, org):
    client.force_login(org["admin"])
    response = client.post(
        "/staff/new/",
        {
            "username": "xiaoli",
            "display_name": "小李",
            "role": Role.CONSULTANT,
            "store": org["store"].pk,
            "daily_call_quota": "25",
        },
    )
    password = one_time_password(response)
    person = Staff.objects.get(username="xiaoli")
    assert person.must_change_password and person.daily_call_quota == 25
    assert person.role_assignments.get().store == org["store"]
    created = AuditEvent.objects.get(action="staff.create")
    assert password not in str(created.data)

    newcomer = Client()
    assert log_in(newcomer, "xiaoli", password)
    for url in ["/", "/queue/", "/customers/"]:
        assert newcomer.get(url)["Location"] == "/accounts/password/"
    htmx = newcomer.get("/customers/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/accounts/password/"
    page = newcomer.get("/accounts/password/").content.decode()
    assert "一次性密码" in page
    changed = newcomer.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "Qingshui-2468",
            "new_password2": "Qingshui-2468",
        },
    )
    assert changed.status_code == 302
    assert newcomer.get("/queue/").status_code == 200
    person.refresh_from_db()
    assert not person.must_change_password
    assert AuditEvent.objects.filter(action="staff.password_change", actor=person).exists()


def test_the_admin_made_by_init_must_change_the_printed_password(client):
    created = create_organization(code="meili", name="美丽医美")
    assert log_in(client, created.admin.username, created.password)
    assert client.get("/")["Location"] == "/accounts/password/"


def test_a_reset_replaces_the_password_and_asks_for_a_new_one(client, org):
    consultant = org["consultant"]
    consultant.set_password("Old-pass-13579")
    consultant.save()
    client.force_login(org["admin"])
    password = one_time_password(client.post(f"/staff/{consultant.pk}/password/"))
    other = Client()
    assert not log_in(other, consultant.username, "Old-pass-13579")
    assert log_in(other, consultant.username, password)
    assert other.get("/queue/")["Location"] == "/accounts/password/"


def test_disabling_needs_a_reason_and_stops_the_login(client, org):
    consultant = org["consultant"]
    consultant.set_password("Pass-word-97531")
    consultant.save()
    client.force_login(org["admin"])
    refused = client.post(f"/staff/{consultant.pk}/active/", {"active": "0"}, follow=True)
    assert "请填写原因" in refused.content.decode()
    client.post(f"/staff/{consultant.pk}/active/", {"active": "0", "reason": "离职"})
    consultant.refresh_from_db()
    assert not consultant.is_active
    assert not log_in(Client(), consultant.username, "Pass-word-97531")
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.data["reason"] == "离职"
    own = client.post(f"/staff/{org['admin'].pk}/active/", {"active": "0", "reason": "x"})
    assert own.status_code == 302
    org["admin"].refresh_from_db()
    assert org["admin"].is_active


def test_roles_are_added_where_they_apply_and_removed(client, org):
    consultant = org["consultant"]
    client.force_login(org["admin"])
    missing_store = client.post(
        f"/staff/{consultant.pk}/roles/", {"role-role": Role.CALLER}, follow=True
    )
    assert "需要门店" in missing_store.content.decode()
    client.post(
        f"/staff/{consultant.pk}/roles/",
        {"role-role": Role.CALLER, "role-store": org["other_store"].pk},
    )
    assert consultant.has_role(Role.CALLER)
    caller = consultant.role_assignments.get(role=Role.CALLER)
    client.post(f"/staff/{consultant.pk}/roles/{caller.pk}/remove/")
    assert not consultant.role_assignments.filter(role=Role.CALLER).exists()
    foreign = make_store(make_org(), "X1")
    client.post(
        f"/staff/{consultant.pk}/roles/", {"role-role": Role.CALLER, "role-store": foreign.pk}
    )
    assert not consultant.role_assignments.filter(role=Role.CALLER).exists()


def test_store_managers_read_their_store_and_change_nothing(client, org):
    client.force_login(org["manager"])
    page = client.get("/staff/").content.decode()
    assert "顾问甲" in page and "顾问乙" not in page and 'id="new-staff"' not in page
    detail = client.get(f"/staff/{org['consultant'].pk}/").content.decode()
    assert 'id="reset-password"' not in detail
    assert client.get(f"/staff/{org['elsewhere'].pk}/").status_code == 404
    assert client.post(f"/staff/{org['consultant'].pk}/password/").status_code == 403
    assert client.get("/staff/new/").status_code == 403
    client.force_login(org["consultant"])
    assert client.get("/staff/").status_code == 403


def test_other_organizations_people_are_404_even_for_the_admin(client, org):
    stranger = make_staff(make_org(), Role.ADMIN)
    client.force_login(org["admin"])
    assert client.get(f"/staff/{stranger.pk}/").status_code == 404
    assert client.post(f"/staff/{stranger.pk}/password/").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"username": "", "display_name": "x", "role": Role.ADMIN},
        {"username": "a b<script>", "display_name": "x", "role": Role.ADMIN},
        {"username": "q" * 500, "display_name": "x", "role": Role.ADMIN},
        {"username": "ok1", "display_name": "x", "role": "god"},
        {"username": "ok2", "display_name": "x", "role": Role.CONSULTANT},
        {"username": "ok3", "display_name": "x", "role": Role.ADMIN, "daily_call_quota": "-5"},
        {"username": "ok4", "display_name": "x", "role": Role.ADMIN, "store": "99999999999"},
    ],
)
def test_bad_new_accounts_are_explained(client, org, data):
    client.force_login(org["admin"])
    response = client.post("/staff/new/", data)
    assert response.status_code == 200 and 'id="staff-form"' in response.content.decode()
    assert not Staff.objects.filter(username__startswith="ok").exists()


def test_a_taken_username_is_refused(client, org):
    client.force_login(org["admin"])
    response = client.post(
        "/staff/new/",
        {"username": org["manager"].username, "display_name": "x", "role": Role.ADMIN},
    )
    assert "用户名已被占用" in response.content.decode()


def test_everyone_changes_her_own_password(client, org):
    consultant = org["consultant"]
    consultant.set_password("First-pass-2468")
    consultant.save()
    assert log_in(client, consultant.username, "First-pass-2468")
    wrong = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "Next-pass-1357",
            "new_password2": "Next-pass-1357",
        },
    )
    assert wrong.status_code == 200
    client.post(
        "/accounts/password/",
        {
            "old_password": "First-pass-2468",
            "new_password1": "Next-pass-1357",
            "new_password2": "Next-pass-1357",
        },
    )
    assert log_in(Client(), consultant.username, "Next-pass-1357")
