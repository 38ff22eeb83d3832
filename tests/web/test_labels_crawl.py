"""The Chinese interface shows labels, never codes, and no English sentences: a crawl of
every page each role can reach (following the links the pages offer), reading the text a
person sees."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.utils import timezone

from revisit.core.access import visible_customers
from revisit.core.clock import local_date
from revisit.customers.models import Channel, Customer, PhoneStatus
from revisit.grading.models import Inventory
from revisit.journeys.models import StoreTask
from revisit.journeys.services import journeys_of
from revisit.messaging.models import Message, MessageTemplate, Suppression
from revisit.outreach.models import Campaign, ContactChannel, DeclineReason, Outcome
from revisit.wallet.points import points_settings, post_order_points

pytestmark = pytest.mark.django_db

ROLE_USERS = ["admin", "supervisor", "manager1", "consultant1", "caller1", "doctor1", "desk1"]
MAX_PAGES = 60

# Codes stored in the database or written in code, which a person must never read.
CODES = {
    *Outcome.values,
    *DeclineReason.values,
    *Channel.values,
    *PhoneStatus.values,
    *ContactChannel.values,
    *Message.Status.values,
    *Suppression.values,
    "intent_1",
    "intent_2",
    "intent_3",
    "none",
    "booked",
    "confirm_appointment",
    "customer_code",
    "order_no",
    "store_manager",
    "region_supervisor",
    "onsite",
    "customer_service",
    "mean",
    "median",
    "quantile",
    "draft",
    "published",
    "proposed",
    "approved",
    "pending",
    "free_trial",
    "expert_event",
    "call_team",
    "department",
    "temporary",
    "formal",
    "suspended",
    "picked_up",
    "mailed",
    "membership_card",
    "submitted",
    "reviewed",
    "rejected",
    "cancelled",
    "non_member",
    "store_report",
    "region_summary",
    "store_task",
    "card_pickup",
    "new_season",
    "dragon_boat",
    "mid_autumn",
    "new_year",
    "soldier",
    "teacher",
}
CODES -= {"phone", "other", "search", "social", "referral", "review", "unknown", "valid"}
CODE_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_])(" + "|".join(sorted(map(re.escape, CODES), key=len, reverse=True)) + r")"
    r"(?![A-Za-z0-9_])"
)
CODE_PATTERN_EXTRA = re.compile(r"\b(?:revisit|intent|quantile):\S*")
# Three English words in a row is a sentence that escaped translation.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}\b")
ALLOWED_ENGLISH = {"Revisit", "SVIP", "RFM", "API", "JSON", "xlsx", "English"}

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SKIP = ("/accounts/logout/", "/i18n/", "/api/", "/static/", "/admin/")


class TextAndLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts, self.links, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def _problems(text: str) -> list[str]:
    found = [m.group(0) for m in CODE_PATTERN.finditer(text)]
    found += CODE_PATTERN_EXTRA.findall(text)
    for m in ENGLISH.finditer(text):
        words = set(re.findall(r"[A-Za-z]+", m.group(0)))
        if not words <= ALLOWED_ENGLISH:
            found.append(m.group(0))
    return found


def crawl(client, start_urls):
    seen, queue, problems = set(), list(start_urls), {}
    kinds = {re.sub(r"\d+", "N", urlparse(u).path) for u in start_urls}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        parser = TextAndLinks()
        parser.feed(html)
        bad = [p for text in parser.texts for p in _problems(text)]
        # The tab's title is text: markup there is a template's block gone astray.
        title = TITLE.search(html)
        if title and "<" in title.group(1):
            bad.append(f"markup in the title: {title.group(1)[:80]}")
        if bad:
            problems[url] = sorted(set(bad))
        for href in parser.links:
            target = urlparse(urljoin(url, href))
            if target.netloc or target.path.startswith(SKIP) or "export=" in target.query:
                continue
            if "personal-data" in target.path:
                continue
            # One page of each kind is enough (a customer's page stands for all of them).
            link = target.path + (f"?{target.query}" if target.query else "")
            kind = re.sub(r"\d+", "N", target.path)
            if kind not in kinds:
                kinds.add(kind)
                queue.append(link)
    return seen, problems


@pytest.mark.parametrize("username", ROLE_USERS)
def test_no_page_shows_a_code_or_an_english_sentence(client, demo, username):
    client.force_login(demo[username])
    latest = Inventory.objects.filter(organization=demo["org"]).order_by("-as_of").first()
    # A running campaign, so its page, the queue and the report show it.
    today = local_date(demo["org"])
    Campaign.objects.create(
        organization=demo["org"],
        name="周年庆",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=20),
        segments=["A4", "B1"],
        tiers=["SVIP"],
        offer="到院赠护理一次",
        overrides={"A4": {"offer": "半价体验", "invitation_type": "free_trial"}},
    )
    # A template and messages of each status, so the messaging pages show their labels.
    template = MessageTemplate.objects.create(
        organization=demo["org"], name="春节", channel="sms", body="{surname}{honorific}新春快乐"
    )
    customers = list(Customer.objects.filter(organization=demo["org"])[:5])
    for customer, (status, reason) in zip(
        customers,
        [
            ("queued", ""),
            ("sent", ""),
            ("failed", ""),
            ("suppressed", "no_consent"),
            ("suppressed", "quiet_hours"),
        ],
        strict=True,
    ):
        Message.objects.create(
            organization=demo["org"],
            customer=customer,
            channel="sms",
            template=template,
            text="新春快乐",
            recipient=customer.mobile,
            due_at=timezone.now(),
            status=status,
            suppression_reason=reason,
            postponed=status == "queued",
        )
    # The points program on: customers carry member cards, the formal ones awaiting
    # their card (the membership block with its scripts and forms).
    settings = points_settings(demo["org"])
    settings.enabled, settings.membership_threshold = True, 3000
    settings.save()
    post_order_points(demo["org"])
    member = (
        visible_customers(demo[username]).filter(membership__status="formal").first()
        or visible_customers(demo[username]).filter(membership__isnull=False).first()
    )
    # A group send waiting for approval and one sent, and a submitted monthly report
    # with a suggestion, so their pages show their states and figures.
    pending = _group_sends(demo, template)
    report_store = _monthly_report(demo)
    StoreTask.objects.create(
        organization=demo["org"],
        customer=customers[0],
        store=customers[0].home_store,
        title="上门赠送春节礼品",
        due_on=today - timedelta(days=1),
    )
    journey_pages = [
        journeys_of(demo["org"]).filter(trigger=t).first().pk
        for t in ("holiday", "event", "new_season", "purchase")
    ]
    start = [
        "/",
        "/messages/",
        "/messages/campaigns/",
        f"/messages/campaigns/{pending.pk}/",
        "/reports/monthly/",
        f"/reports/monthly/stores/{report_store.pk}/{local_date(demo['org']):%Y-%m}/",
        "/messages/send/",
        "/settings/messages/templates/",
        f"/settings/messages/templates/{template.pk}/",
        "/settings/messages/",
        "/settings/journeys/",
        "/settings/journeys/preview/",
        "/store-tasks/",
        *[f"/settings/journeys/{pk}/" for pk in journey_pages],
        "/customers/",
        f"/inventories/{latest.pk}/",
        f"/inventories/{latest.pk}/movements/",
        "/course-cards/calls/",  # course cards: tests/web/test_course_card_pages.py crawls more
        "/reports/liability/",
        "/cashier/",  # the wallet's pages are crawled with balances in tests/wallet
        *([f"/customers/{member.pk}/"] if member else []),
    ]
    seen, problems = crawl(client, start)
    assert len(seen) > 3
    assert problems == {}, problems


def _group_sends(demo, template):
    from revisit.messaging.campaign_sends import create_campaign, submit_campaign
    from revisit.messaging.rules import messaging_settings

    settings = messaging_settings(demo["org"])
    settings.campaign_approval_threshold = 0
    settings.save()
    admin = demo["admin"]
    sent = create_campaign(demo["org"], actor=admin, name="已发群发", template=template)
    pending = create_campaign(
        demo["org"], actor=admin, name="待批群发", template=template, filters={"tier": "A"}
    )
    for campaign in (sent, pending):
        submit_campaign(campaign, actor=admin)
    return pending


def _monthly_report(demo):
    from revisit.reports import monthly

    manager = demo["manager1"]
    store = next(a.store for a in manager.role_assignments.all() if a.store_id)
    month = monthly.month_start(local_date(demo["org"]))
    monthly.suggest_plan(store, month, actor=manager, text="端午短信")
    monthly.set_plan(store, month, actor=manager, summary="总结", plan="计划")
    monthly.submit_report(store, month, actor=manager)
    return store
