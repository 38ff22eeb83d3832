"""The admin speaks Chinese; the home page needs a login and shows the user's scope."""

import pytest

from revisit.core.models import Role, Staff
from tests.factories import log_in, make_customer, make_org, make_staff, make_store

pytestmark = pytest.mark.django_db


def test_admin_index_and_customer_list_are_in_chinese(client):
    Staff.objects.create_superuser("root", password="pw-root-123")
    assert log_in(client, "root", "pw-root-123")
    index = client.get("/admin/").content.decode()
    assert "回访系统管理" in index
    for label in ["客户", "消费单", "项目", "门店", "员工"]:
        assert label in index
    org = make_org()
    make_customer(org, "C1", name="王小美")
    listing = client.get("/admin/customers/customer/").content.decode()
    assert "客户编号" in listing and "王小美" in listing


def test_admin_english_is_available(client):
    Staff.objects.create_superuser("root", password="pw-root-123")
    assert log_in(client, "root", "pw-root-123")
    page = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "Revisit administration" in page


def test_org_admin_in_django_admin_sees_only_own_organization(client):
    mine, other = make_org(), make_org()
    make_customer(mine, "MINE-1")
    make_customer(other, "OTHER-1")
    admin = make_staff(mine, Role.ADMIN)
    admin.is_staff = True
    admin.is_superuser = False
    admin.save()
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(admin)
    listing = client.get("/admin/customers/customer/").content.decode()
    assert "MINE-1" in listing
    assert "OTHER-1" not in listing


def test_home_requires_login_and_counts_visible_customers(client):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    org = make_org()
    store = make_store(org)
    manager = make_staff(org, Role.STORE_MANAGER, store=store)
    make_customer(org, "A", home_store=store)
    make_customer(org, "B")
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert '<strong id="customer-count">1</strong>' in page


def test_every_model_is_in_the_admin_with_a_chinese_name(client):
    from django.apps import apps
    from django.contrib import admin as django_admin

    ours = [m for m in apps.get_models() if m.__module__.startswith("revisit.")]
    missing = [
        m.__name__
        for m in ours
        if m not in django_admin.site._registry and not m._meta.auto_created
    ]
    assert missing == []
    Staff.objects.create_superuser("root", password="pw-root-123")
    assert log_in(client, "root", "pw-root-123")
    index = client.get("/admin/").content.decode()
    for label in ["客户盘点", "分级结果", "级别变更", "数据导入", "分级设置"]:
        assert label in index
    for model in ours:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
