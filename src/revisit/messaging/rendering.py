"""Template text: placeholders checked when a template is saved, rendered per customer,
and the SMS's length and segment count.

Placeholders are `{name}`; a literal brace is written `{{` or `}}`. Nothing else inside
braces is read (no attribute or index lookups, unlike str.format), so a template cannot
reach into the objects it is rendered with."""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revisit.customers.models import Gender

# Chinese carriers count every character the same (UCS-2): 70 in one SMS; a longer text
# goes out as parts of 67 (the rest carries the concatenation header).
SMS_SINGLE = 70
SMS_PART = 67

PLACEHOLDERS = {
    "name": gettext_lazy("the customer's name"),
    "surname": gettext_lazy("the customer's surname"),
    "honorific": gettext_lazy("先生 or 女士 from the customer's gender"),
    "store": gettext_lazy("the customer's home store"),
    "tier": gettext_lazy("the customer's tier"),
    "hotline": gettext_lazy("the hotline of the messaging settings"),
    "date": gettext_lazy("a date given when the message is queued"),
    "amount": gettext_lazy("an amount given when the message is queued"),
    "points": gettext_lazy("points given when the message is queued"),
    "card_pickup_date": gettext_lazy("the membership card pickup date"),
    "organization": gettext_lazy("the organization's name"),
}
# Placeholders the customer's record answers; the others come with the queued message.
FROM_CUSTOMER = {"name", "surname", "honorific", "store", "tier", "hotline", "organization"}
FROM_CONTEXT = set(PLACEHOLDERS) - FROM_CUSTOMER

SAMPLE = {
    "name": "张伟",
    "surname": "张",
    "honorific": "先生",
    "store": "南京路店",
    "tier": "A",
    "hotline": "400-800-8888",
    "date": "5月1日",
    "amount": "1,280.00",
    "points": "2350",
    "card_pickup_date": "5月6日",
    "organization": "示例服饰",
}

TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
COMPOUND_SURNAMES = [
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "轩辕",
    "令狐",
    "端木",
    "申屠",
]


class TemplateError(ValueError):
    """A template that cannot be saved or rendered; the message says why, in Chinese."""


@dataclass(frozen=True)
class Piece:
    literal: str = ""
    placeholder: str = ""


def parse(text: str, max_length: int = 2000) -> list[Piece]:
    """The text split into literals and placeholders; refuses unknown placeholders and
    lone braces with a message naming them."""
    if len(text) > max_length:
        raise TemplateError(
            _("The text is too long: %(n)s characters, at most %(max)s.")
            % {"n": len(text), "max": max_length}
        )
    pieces: list[Piece] = []
    unknown: list[str] = []
    position = 0
    for match in TOKEN.finditer(text):
        if match.start() > position:
            pieces.append(Piece(literal=text[position : match.start()]))
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append(Piece(literal=token[0]))
        elif token in ("{", "}"):
            raise TemplateError(
                _(
                    "A brace without its pair at character %(at)s: write {{ or }} for a "
                    "brace in the text."
                )
                % {"at": match.start() + 1}
            )
        else:
            name = match.group(1).strip()
            if name not in PLACEHOLDERS:
                unknown.append(token[:40])
            pieces.append(Piece(placeholder=name))
        position = match.end()
    if position < len(text):
        pieces.append(Piece(literal=text[position:]))
    if unknown:
        raise TemplateError(
            _("Unknown placeholders: %(names)s. Allowed: %(allowed)s.")
            % {
                "names": "、".join(dict.fromkeys(unknown)),
                "allowed": "、".join(f"{{{p}}}" for p in PLACEHOLDERS),
            }
        )
    return pieces


def placeholders_of(text: str) -> set[str]:
    return {p.placeholder for p in parse(text) if p.placeholder}


def substitute(text: str, values: dict) -> str:
    """`text` with each placeholder replaced by its value (missing values are refused)."""
    pieces = parse(text)
    missing = [
        p.placeholder for p in pieces if p.placeholder and values.get(p.placeholder) in (None, "")
    ]
    if missing:
        raise TemplateError(
            _("No value for: %(names)s.")
            % {"names": "、".join(f"{{{m}}}" for m in dict.fromkeys(missing))}
        )
    return "".join(p.literal or str(values[p.placeholder]) for p in pieces)


def surname(name: str) -> str:
    name = (name or "").strip()
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) > 2:
            return compound
    return name[:1]


def honorific(gender: str) -> str:
    if gender == Gender.MALE:
        return "先生"
    if gender == Gender.FEMALE:
        return "女士"
    return "先生/女士"


def format_context(value) -> str:
    if isinstance(value, date):
        return f"{value.month}月{value.day}日"
    return str(value)


def customer_values(customer, *, settings=None) -> dict:
    """The placeholders a customer's record answers."""
    store = customer.home_store
    values = {
        "name": customer.name,
        "surname": surname(customer.name),
        "honorific": honorific(customer.gender),
        "store": store.name if store else "",
        "tier": customer.get_tier_display() if customer.tier else "",
        "organization": customer.organization.name,
        "hotline": settings.hotline if settings else "",
    }
    return values


def sms_text(body: str, *, signature: str, opt_out_line: str, marketing: bool) -> str:
    """The SMS as the phone shows it: 【signature】 first, the opt-out line last on marketing."""
    text = f"【{signature}】{body.strip()}" if signature else body.strip()
    if marketing and opt_out_line and not text.endswith(opt_out_line):
        text = f"{text}{opt_out_line}"
    return text


def sms_segments(text: str) -> int:
    """How many SMS the text is billed as: one up to 70 characters, else parts of 67."""
    n = len(text)
    if n == 0:
        return 0
    if n <= SMS_SINGLE:
        return 1
    return -(-n // SMS_PART)
