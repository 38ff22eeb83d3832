"""The daily report shows the messages sent that day per sending channel (labels, never
codes), only for the customers the viewer sees, and each person's messages sent."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from revisit.messaging.models import Message
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 6)


def _message(customer, *, channel="sms", status="sent", hour=10, actor=None):
    moment = datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
    return Message.objects.create(
        organization=customer.organization,
        customer=customer,
        channel=channel,
        text="新品到店，回T退订",
        due_at=moment,
        status=status,
        sent_at=moment if status == "sent" else None,
        created_by=actor,
    )


def _channels(page: str) -> str:
    return page.split('id="messages-by-channel"')[1].split("</table>")[0]


def test_messages_by_channel_are_counted_and_scoped(client, shop):
    mine = shop["existing"]
    elsewhere = make_customer(shop["org"], "E-1", home_store=shop["other"])
    _message(mine, actor=shop["consultant"])
    _message(mine, channel="wechat", actor=shop["consultant"])
    _message(mine, channel="email", status="failed")
    _message(elsewhere)
    _message(elsewhere, channel="letter", status="suppressed")
    _message(elsewhere, hour=1)  # 01:00 local: the day before in UTC, this day here

    client.force_login(shop["admin"])
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    table = _channels(page)
    assert "短信" in table and 'data-channel="sms"' in table and ">sms<" not in table
    assert '<tr data-channel=""><th>合计</th><td class="num sent">4</td>' in table

    client.force_login(shop["manager"])
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    table = _channels(page)
    assert '<tr data-channel="sms"><td>短信</td><td class="num sent">1</td>' in table
    assert 'data-channel="letter"' not in table  # her store's customers only
    assert '<tr data-channel=""><th>合计</th><td class="num sent">2</td>' in table


def test_each_persons_messages_are_in_the_people_table_and_its_download(client, shop):
    _message(shop["existing"], actor=shop["consultant"])
    _message(shop["existing"], actor=shop["consultant"], channel="wechat")
    client.force_login(shop["admin"])
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    assert '<td class="num messages">2</td>' in page
    response = client.get("/reports/daily/", {"day": DAY.isoformat(), "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    header = list(rows[0])
    column = header.index("已发消息")
    consultant = next(r for r in rows[1:] if r[0] == str(shop["consultant"]))
    assert consultant[column] == 2


def test_a_day_without_messages_shows_a_dash(client, shop):
    client.force_login(shop["admin"])
    page = client.get("/reports/daily/", {"day": DAY.isoformat()}).content.decode()
    assert '<td colspan="4" class="muted">—</td>' in _channels(page)
