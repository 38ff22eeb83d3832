"""Importing opening balances (points, stored value, credit, course cards, gift and family
cards) from another system: every row checked, then all rows posted or none.

A balance is money the business owes, so a file goes in whole or not at all: one rejected
row and nothing is written; the rejects list says which rows to mend (row, column, reason).

Each row is one opening entry (kind `import`) on its account, opened when needed. Its
idempotency key names the account, not the file (`revisit.wallet.opening.opening_key`):
the same file again, or a second file that repeats an account with the same balance,
posts nothing; the same account with another balance is rejected (a correction is an
adjustment on the ledger, not a second opening).

Customers must exist already (import them first); a store manager imports only for
customers of her stores, and an unknown code and another store's code are rejected with
the same reason, so a file cannot probe which codes exist elsewhere.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.access import importable_customers
from revisit.core.models import Store
from revisit.customers.models import Customer
from revisit.imports.checks import failed, passed, record_failures, text, too_long, with_failures
from revisit.imports.errors import ImportFileError
from revisit.imports.parsing import parse_amount, parse_date
from revisit.imports.report import ImportReport, Rejection
from revisit.imports.scope import ImportScope
from revisit.sales.models import Item
from revisit.wallet.ledger import WalletError
from revisit.wallet.models import SINGLE_KINDS, WHOLE_UNIT_KINDS, Account, AccountKind
from revisit.wallet.opening import Opening, opening_key, post_openings, posted_openings

OPTIONAL = ["expires_on", "card_number", "item", "category", "unit_value"]
MAX_BALANCE = 10**11  # the column holds 14 digits, 2 of them after the point
CHUNK = 5000

# What other systems call each kind (compared in lower case).
KIND_NAMES = {
    **dict.fromkeys(["积分", "会员积分", "points", "point"], AccountKind.POINTS),
    **dict.fromkeys(
        ["储值", "储值卡", "储值余额", "充值", "会员储值", "stored_value", "stored value"],
        AccountKind.STORED_VALUE,
    ),
    **dict.fromkeys(["美丽金", "返利金", "返现", "赠送金", "credit"], AccountKind.CREDIT),
    **dict.fromkeys(
        ["疗程卡", "次卡", "疗程", "course_card", "course card"], AccountKind.COURSE_CARD
    ),
    **dict.fromkeys(["体验卡", "礼品卡", "礼卡", "gift_card", "gift card"], AccountKind.GIFT_CARD),
    **dict.fromkeys(["亲情卡", "family_card", "family card"], AccountKind.FAMILY_CARD),
}
CARD_KINDS = [k.value for k in AccountKind if k not in SINGLE_KINDS]


def unknown_customer_reason(scope: ImportScope) -> str:
    if scope.whole_organization:
        return _("Unknown customer code (import the customers first).")
    # Another store's code and a code that does not exist read the same.
    return _("Unknown customer code, or a customer outside the stores you may import into.")


@dataclass
class BalancePlan:
    """What a balance import writes: nothing at all when a row was rejected."""

    scope: ImportScope
    openings: list[Opening] = field(default_factory=list)
    refused: bool = False
    reference: str = ""
    reason: str = ""

    def stage(self) -> None:
        """Nothing to stage: the openings are posted in bulk inside the transaction."""

    def cleanup(self) -> None:
        pass

    def apply(self) -> None:
        if self.refused:
            return
        try:
            post_openings(
                self.scope.organization,
                self.openings,
                actor=self.scope.actor,
                reference_id=self.reference,
                reason=self.reason,
                now=timezone.now(),
            )
        except WalletError as exc:
            # Another import or a cashier took a card number or posted an opening since
            # the rows were checked: the transaction rolls back, nothing is written.
            raise ImportFileError(
                _("The balances changed while the file was checked; import it again. (%(why)s)")
                % {"why": exc.message}
            ) from None


def _customers(scope: ImportScope, codes: list[str]) -> dict[str, tuple[int, int | None]]:
    """Code → (id, home store id) of the customers this import may write for."""
    allowed = importable_customers(scope.actor)
    queryset = (
        Customer.objects.filter(organization=scope.organization)
        if allowed is None
        else allowed.filter(organization=scope.organization)
    )
    found = {}
    for start in range(0, len(codes), CHUNK):
        for pk, code, store_id in queryset.filter(
            code__in=codes[start : start + CHUNK]
        ).values_list("pk", "code", "home_store_id"):
            found[code] = (pk, store_id)
    return found


def _items(scope: ImportScope) -> dict[str, tuple[int, str, Decimal | None]]:
    """Item name or code → (id, category, list price)."""
    found = {}
    for pk, code, name, category, price in Item.objects.filter(
        organization=scope.organization
    ).values_list("pk", "code", "name", "category", "list_price"):
        found.setdefault(code, (pk, category, price))
        found[name] = (pk, category, price)
    return found


def _cards_in_use(scope: ImportScope, numbers: list[str]) -> dict[str, tuple[int, str]]:
    """Card number → (customer id, kind) of the organization's accounts holding it."""
    found = {}
    for start in range(0, len(numbers), CHUNK):
        found.update(
            (number, (customer_id, kind))
            for number, customer_id, kind in Account.objects.filter(
                organization=scope.organization, card_number__in=numbers[start : start + CHUNK]
            ).values_list("card_number", "customer_id", "kind")
        )
    return found


def _checked(frame: pl.DataFrame, scope: ImportScope, customers: dict, items: dict):
    for name in OPTIONAL:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    kinds = {name.lower(): kind.value for name, kind in KIND_NAMES.items()}
    frame = frame.with_columns(
        text("customer_code").alias("customer_code"),
        text("card_number").alias("card_number"),
        text("item").alias("item"),
        text("category").alias("category"),
        text("kind")
        .str.to_lowercase()
        .replace_strict(kinds, default=None, return_dtype=pl.String)
        .alias("kind_code"),
        # "6次", "1500分", "1500积分": the unit is the kind's, whatever the cell says.
        parse_amount(text("balance").str.replace(r"\s*(次|积分|分)$", "")).alias("amount"),
        parse_amount(pl.col("unit_value")).alias("unit"),
        parse_date(pl.col("expires_on")).alias("expiry"),
    )
    frame = frame.with_columns(
        pl.col("customer_code")
        .replace_strict(
            {code: pk for code, (pk, _store) in customers.items()},
            default=None,
            return_dtype=pl.Int64,
        )
        .alias("customer_id"),
        pl.col("item")
        .replace_strict(
            {name: pk for name, (pk, _c, _p) in items.items()}, default=None, return_dtype=pl.Int64
        )
        .alias("item_id"),
    )
    amount = pl.col("amount").cast(pl.Float64)
    whole = pl.col("kind_code").is_in([k.value for k in WHOLE_UNIT_KINDS])
    rules = [
        (
            "customer_code",
            "客户编号为空 (customer code is empty)",
            pl.col("customer_code").is_null(),
        ),
        (
            "customer_code",
            unknown_customer_reason(scope),
            pl.col("customer_code").is_not_null() & pl.col("customer_id").is_null(),
        ),
        (
            "kind",
            _("Unknown kind: use 积分, 储值, 美丽金, 疗程卡, 体验卡 or 亲情卡."),
            pl.col("kind_code").is_null(),
        ),
        ("balance", _("The balance is not a number."), pl.col("amount").is_null()),
        ("balance", _("The balance must not be negative."), amount < 0),
        ("balance", _("The balance is too large."), amount.abs() >= MAX_BALANCE),
        (
            "balance",
            _("Sessions and points are whole numbers."),
            whole & (pl.col("amount") != pl.col("amount").floor()),
        ),
        (
            "expires_on",
            _("The expiry is not a date."),
            text("expires_on").is_not_null() & pl.col("expiry").is_null(),
        ),
        (
            "unit_value",
            _("The value per session is not a number."),
            text("unit_value").is_not_null() & pl.col("unit").is_null(),
        ),
        (
            "unit_value",
            _("The value per session must not be negative."),
            pl.col("unit").cast(pl.Float64) < 0,
        ),
        (
            "unit_value",
            _("The value per session is too large."),
            pl.col("unit").cast(pl.Float64) >= MAX_BALANCE,
        ),
        too_long("card_number", 64, "卡号"),
        (
            "card_number",
            _("This card number is already in an earlier row of the file."),
            pl.col("card_number").is_not_null() & ~pl.col("card_number").is_first_distinct(),
        ),
        too_long("category", 100, "项目类别"),
        (
            "item",
            _("Unknown item (add it to the catalog first)."),
            pl.col("item").is_not_null() & pl.col("item_id").is_null(),
        ),
    ]
    return with_failures(frame, rules), rules


def _identity(row: dict) -> str:
    """What tells apart two cards of one customer and kind that carry no number."""
    return "\x1f".join(str(row[name] or "") for name in ("item", "category", "expiry", "unit"))


def plan_balances(
    scope: ImportScope, frame: pl.DataFrame, report: ImportReport, *, store: Store | None
) -> BalancePlan:
    """Check every row, record rejections, duplicates and warnings in `report`, and return
    the openings to post (none when any row was rejected)."""
    codes = text("customer_code")
    wanted = frame.select(codes.alias("c")).get_column("c").drop_nulls().unique().to_list()
    customers = _customers(scope, wanted)
    items = _items(scope)
    frame, rules = _checked(frame, scope, customers, items)
    record_failures(report.rejections, failed(frame), rules)
    good = passed(frame)
    numbers = good.get_column("card_number").drop_nulls().unique().to_list()
    cards = _cards_in_use(scope, numbers)
    plan = BalancePlan(
        scope,
        reference=report.file_name[:64],
        reason=_("Opening balance imported from %(file)s") % {"file": report.file_name},
    )
    candidates: list[tuple[int, Opening]] = []
    seen_accounts: dict[str, int] = {}
    for row in good.iter_rows(named=True):
        kind = row["kind_code"]
        customer_id = row["customer_id"]
        card = row["card_number"] or ""
        key = opening_key(customer_id, kind, card, _identity(row))
        first = seen_accounts.setdefault(key, row["row"])
        if first != row["row"]:
            reason = (
                _("This customer's balance of this kind is already in row %(row)s of the file.")
                if kind in SINGLE_KINDS
                else _(
                    "The same card is already in row %(row)s of the file; give the cards "
                    "their numbers to tell them apart."
                )
            )
            report.rejections.append(
                Rejection(row["row"], "kind", reason % {"row": first}, row["kind"] or "")
            )
            continue
        item = items.get(row["item"]) if row["item"] else None
        unit = row["unit"]
        if unit is None and kind == AccountKind.COURSE_CARD and item is not None:
            unit = item[2]  # the item's list price stands for one session
        home_store = customers[row["customer_code"]][1]
        candidates.append(
            (
                row["row"],
                Opening(
                    customer_id=customer_id,
                    kind=kind,
                    amount=Decimal(row["amount"]).quantize(Decimal("0.01")),
                    key=key,
                    store_id=store.pk if store is not None else home_store,
                    card_number=card,
                    item_id=item[0] if item else None,
                    item_category=(row["category"] or (item[1] if item else ""))[:100],
                    unit_value=unit,
                    expires_on=row["expiry"],
                ),
            )
        )
    done = posted_openings(scope.organization, [o.key for _, o in candidates])
    for row_number, opening in candidates:
        posted = done.get(opening.key)
        if posted is not None:
            if posted == opening.amount:
                report.duplicates += 1
            else:
                report.rejections.append(
                    Rejection(
                        row_number,
                        "balance",
                        _(
                            "An opening balance of %(amount)s was already imported for this "
                            "account; correct it with an adjustment, not a second import."
                        )
                        % {"amount": posted},
                        str(opening.amount),
                    )
                )
            continue
        if opening.card_number and opening.card_number in cards:
            report.rejections.append(
                Rejection(
                    row_number,
                    "card_number",
                    _("This card number is already in use."),
                    opening.card_number[:100],
                )
            )
            continue
        if opening.amount == 0:
            report.warnings.append(
                Rejection(row_number, "balance", _("The balance is zero: nothing to import."), "0")
            )
            report.duplicates += 1
            continue
        plan.openings.append(opening)
    if report.rejections:
        plan.refused = True
        plan.openings = []
        report.duplicates = 0
    else:
        report.imported = len(plan.openings)
    return plan
