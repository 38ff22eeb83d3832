"""Points out of the ledger: expiry of lots that are due, cash-back (每满 N 分返 M 元,
seed 003) as credit, and redemption for gifts."""

from datetime import date
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revisit.core.clock import local_date
from revisit.core.models import Organization, Staff
from revisit.customers.models import Customer
from revisit.wallet.bulk import date_param, post_batch, quote
from revisit.wallet.ledger import Reference, WalletError, open_account, post
from revisit.wallet.models import Account, AccountKind, Entry, EntryKind, ReferenceType
from revisit.wallet.points import points_settings


def expiry_due(organization: Organization, on: date) -> pl.DataFrame:
    """account_id, due: the points each account must give up on `on`.

    Spends (and refunds, earlier expiries, cash-back) take the lots that expire first,
    so what is still unused of the lots that expired before `on` is their sum less
    everything taken so far; never below zero, never above the balance."""
    entry, account = quote(Entry._meta.db_table), quote(Account._meta.db_table)
    sql = (
        "SELECT a.id, "
        "SUM(CASE WHEN e.amount > 0 AND e.expires_on IS NOT NULL AND e.expires_on < %s "
        "THEN e.amount ELSE 0 END) + SUM(CASE WHEN e.amount < 0 THEN e.amount ELSE 0 END) "
        f"FROM {entry} e JOIN {account} a ON a.id = e.account_id "
        "WHERE a.organization_id = %s AND a.kind = %s AND a.status = 'active' "
        "GROUP BY a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [date_param(on), organization.pk, AccountKind.POINTS.value])
        rows = [(pk, int(due)) for pk, due in cursor.fetchall() if due and due > 0]
    return pl.DataFrame(rows, schema={"account_id": pl.Int64, "due": pl.Int64}, orient="row")


def expire_points(
    organization: Organization, *, on: date | None = None, actor: Staff | None = None, now=None
) -> int:
    """Post an expire entry on every points account holding lots that expired before
    `on` (default: today in the organization's time zone), taking exactly what is still
    unused of them. Running it again for the same day (or any day) takes nothing twice.
    Returns the number of accounts expired."""
    now = now or timezone.now()
    on = on or local_date(organization, now)
    due = expiry_due(organization, on)
    if due.is_empty():
        return 0
    rows = due.select(
        "account_id",
        pl.lit(EntryKind.EXPIRE.value).alias("kind"),
        (-pl.col("due")).alias("amount"),
        pl.lit(ReferenceType.SCHEDULE.value).alias("reference_type"),
        pl.lit(on.isoformat()).alias("reference_id"),
        (
            pl.lit("expire:") + pl.col("account_id").cast(pl.String) + pl.lit(f":{on.isoformat()}")
        ).alias("idempotency_key"),
        pl.lit(None, pl.Date).alias("expires_on"),
        pl.lit(_("Points expired")).alias("reason"),
    )
    return post_batch(
        organization, rows, actor=actor, action="wallet.expire_points", now=now
    ).height


def _points_account(customer: Customer) -> Account:
    account = Account.objects.filter(customer=customer, kind=AccountKind.POINTS).first()
    if account is None:
        raise WalletError(_("This customer has no points."))
    return account


def cashback_preview(customer: Customer) -> tuple[int, Decimal]:
    """(points taken, yuan returned) if the customer's points were cashed back now."""
    settings = points_settings(customer.organization)
    account = Account.objects.filter(customer=customer, kind=AccountKind.POINTS).first()
    balance = int(account.balance) if account else 0
    if settings.cashback_every_points <= 0:
        return 0, Decimal(0)
    times = balance // settings.cashback_every_points
    return times * settings.cashback_every_points, times * settings.cashback_amount


def redeem_cashback(
    customer: Customer, *, actor: Staff | None, idempotency_key: str = "", now=None
) -> tuple[Entry, Entry]:
    """每满 N 分返 M 元: take every whole N points from the customer's balance and add M
    yuan of credit per N, in one transaction. Returns (points entry, credit entry)."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _points_account(customer)
        Account.objects.select_for_update().filter(pk=account.pk).first()
        account.refresh_from_db()
        points, yuan = cashback_preview(customer)
        if points <= 0 or yuan <= 0:
            raise WalletError(_("Not enough points for a cash-back yet."))
        reason = _("Cash-back: %(points)s points for ¥%(yuan)s") % {
            "points": points,
            "yuan": yuan,
        }
        taken = post(
            account,
            -points,
            kind=EntryKind.SPEND,
            actor=actor,
            reference=Reference(ReferenceType.MANUAL, "cashback"),
            reason=reason,
            idempotency_key=f"{idempotency_key}:points" if idempotency_key else "",
            now=now,
        )
        credit = open_account(customer, AccountKind.CREDIT, actor=actor, now=now)
        given = post(
            credit,
            yuan,
            kind=EntryKind.EARN,
            actor=actor,
            reference=Reference(ReferenceType.ACCOUNT, str(account.pk)),
            reason=reason,
            counterpart=taken,
            idempotency_key=f"{idempotency_key}:credit" if idempotency_key else "",
            now=now,
        )
    return taken, given


def redeem_points(
    customer: Customer,
    points: int,
    *,
    actor: Staff | None,
    reason: str,
    idempotency_key: str = "",
    now=None,
) -> Entry:
    """Exchange `points` for a product or gift (the reason says which)."""
    if not reason.strip():
        raise WalletError(_("A redemption needs a reason."))
    if int(points) <= 0:
        raise WalletError(_("The amount must be positive."))
    return post(
        _points_account(customer),
        -int(points),
        kind=EntryKind.SPEND,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        now=now,
    )
