from datetime import UTC, datetime

import pytest
from django.test import override_settings

from revisit.core.models import Role
from revisit.customers.consents import set_consent
from revisit.customers.models import Gender, MarketingConsent
from revisit.messaging.models import MessageTemplate
from tests.factories import make_customer, make_org, make_staff, make_store

# 10:00 in Shanghai: outside the default quiet hours.
DAYTIME = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
# 22:00 in Shanghai: inside them.
NIGHT = datetime(2026, 5, 6, 14, 0, tzinfo=UTC)


@pytest.fixture
def outbox_dir(tmp_path):
    folder = tmp_path / "messages"
    with override_settings(
        MESSAGING_FILE_DIR=folder,
        MESSAGING_SMS_BACKEND="revisit.messaging.backends.FileBackend",
        MESSAGING_WECHAT_BACKEND="revisit.messaging.backends.FileBackend",
        MESSAGING_LETTER_BACKEND="revisit.messaging.backends.FileBackend",
    ):
        yield folder


def sent_lines(folder, channel="sms") -> list[str]:
    path = folder / f"{channel}.jsonl"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.fixture
def shopfront(db, outbox_dir):
    """One organization, one store, an admin and a manager, customers with and without
    SMS consent, and a marketing SMS template."""
    org = make_org()
    store = make_store(org, "S1")
    other = make_store(org, "S2")
    admin = make_staff(org, Role.ADMIN, name="管理员")
    manager = make_staff(org, Role.STORE_MANAGER, store=store, name="店长")
    consenting = make_customer(
        org,
        "C-1",
        name="张伟",
        gender=Gender.MALE,
        mobile="+8613800000001",
        home_store=store,
        tier="A",
    )
    set_consent(
        consenting,
        actor=admin,
        channel=MarketingConsent.Channel.SMS,
        granted=True,
        source="到店签字",
    )
    silent = make_customer(
        org, "C-2", name="李娜", gender=Gender.FEMALE, mobile="+8613800000002", home_store=store
    )
    elsewhere = make_customer(
        org,
        "C-3",
        name="王芳",
        gender=Gender.FEMALE,
        mobile="+8613800000003",
        home_store=other,
        tier="B",
    )
    set_consent(
        elsewhere,
        actor=admin,
        channel=MarketingConsent.Channel.SMS,
        granted=True,
        source="到店签字",
    )
    template = MessageTemplate.objects.create(
        organization=org,
        name="春节",
        channel="sms",
        purpose="marketing",
        body="{surname}{honorific}，新春会员喜福会，{store}恭候您！",
        body_non_member="{surname}{honorific}，开春团圆，喜福齐汇！",
    )
    service = MessageTemplate.objects.create(
        organization=org,
        name="积分通知",
        channel="sms",
        purpose="service",
        body="{surname}{honorific}，您{date}消费{amount}元，目前积分{points}分。",
    )
    return {
        "org": org,
        "store": store,
        "other": other,
        "admin": admin,
        "manager": manager,
        "consenting": consenting,
        "silent": silent,
        "elsewhere": elsewhere,
        "template": template,
        "service": service,
        "dir": outbox_dir,
    }
