"""Call scripts with placeholders, filled for the customer on the task: the caller reads
"王女士，您上次在我们这里做的光子嫩肤……" instead of "XX 女士 … XX 项目"."""

import string

from django.utils.translation import gettext as _

PLACEHOLDERS = {
    "name": "the customer's name",
    "surname": "her surname",
    "honorific": "女士 or 先生",
    "last_item": "the item of her last paid visit",
    "last_visit": "the day of her last visit",
    "offer": "the strategy's offer",
    "store": "her home store",
    "staff": "the caller's name",
    "org": "the organization's name",
    "expiring_item": "a course item about to expire",
    "sessions_left": "the sessions left on her course card",
    "card_expiry": "the day her course card expires",
}


def placeholders_in(text: str) -> set[str]:
    """The placeholders a script uses; ValueError for a brace that is not one."""
    return {field for _, field, _, _ in string.Formatter().parse(text or "") if field is not None}


def check_script(text: str) -> None:
    """Refuse a script with an unknown placeholder or a stray brace (message for the user)."""
    try:
        fields = placeholders_in(text)
    except ValueError:
        raise ValueError(
            _("A brace in the script does not close: write {name}, {offer} …")
        ) from None
    unknown = sorted(f for f in fields if f not in PLACEHOLDERS)
    if unknown:
        raise ValueError(
            _("Unknown placeholder %(names)s; use %(known)s.")
            % {
                "names": ", ".join("{" + u + "}" for u in unknown),
                "known": ", ".join("{" + k + "}" for k in PLACEHOLDERS),
            }
        )


def honorific(gender: str) -> str:
    return {"F": "女士", "M": "先生"}.get(gender, "女士/先生")


def render_script(
    text: str,
    *,
    customer,
    strategy=None,
    staff=None,
    last_line=None,
    organization=None,
    offer: str | None = None,
    course_card=None,
) -> str:
    """The script with every placeholder filled; a value that is not known reads "—".
    Pass `organization` when it is at hand, to spare reading it from the customer, and
    `offer` when it is not the strategy's (a campaign's, or the survey's win-back), and
    `course_card` (a revisit.wallet.course_cards.CardSummary) for her card's placeholders."""
    if offer is None:
        offer = strategy.offer if strategy else ""
    if not text:
        return ""
    values = {
        "name": customer.name or "—",
        "surname": (customer.name or "")[:1] or "—",
        "honorific": honorific(customer.gender),
        "last_item": str(last_line.item) if last_line and last_line.item_id else "—",
        "last_visit": last_line.order_date.isoformat() if last_line else "—",
        "offer": offer or "—",
        "store": str(customer.home_store) if customer.home_store_id else "—",
        "staff": str(staff) if staff else "—",
        "org": str(organization or customer.organization),
        "expiring_item": course_card.label if course_card else "—",
        "sessions_left": str(course_card.sessions_left) if course_card else "—",
        "card_expiry": (
            course_card.expires_on.isoformat() if course_card and course_card.expires_on else "—"
        ),
    }
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError):
        return text  # an old script saved before placeholders were checked: shown as is
