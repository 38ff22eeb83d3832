"""The worker's side of the outbox: claim due messages, send them, recover the ones a
dead worker left behind.

Exactly once, the rule:
1. A due message is claimed by one conditional update, queued → sending, with a fresh
   claim token. Of two workers (or two ticks) only the one whose update changed the row
   sends it.
2. The rules (consent, opt-out, blacklist, number, contact cap, quiet hours, the daily
   cap) are checked again after the claim: a customer who opted out since it was queued
   is not sent to.
3. The provider gets the message's idempotency key (Aliyun's OutId, a mail header, the
   file backend's line). Success is recorded only by the holder of the claim token,
   for a group of sent messages at a time (one statement, MESSAGING_SENT_GROUP): until
   then they stay 'sending', which is what rule 4 recovers.
4. A message still 'sending' MESSAGING_CLAIM_TIMEOUT_MINUTES after its claim belongs to a
   worker that died. It is claimed again (a new token, by conditional update) and the
   provider is asked by the key: found → sent (not sent again); not found → queued
   again (the next tick sends it); the provider cannot tell (SMTP) → failed with
   "result unknown", for a person to check: never a second send.
5. Provider errors worth retrying put the message back with an exponential back-off
   (base × 2^(attempt−1), at most 6 hours) until MESSAGING_MAX_ATTEMPTS; others fail it.
"""

import logging
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings as conf
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from revisit.core.clock import day_bounds, local_date
from revisit.customers.models import Customer
from revisit.messaging.backends import UNKNOWN, ProviderError, backend_for
from revisit.messaging.models import (
    Message,
    MessageChannel,
    MessagingSettings,
    Purpose,
    Suppression,
)
from revisit.messaging.rules import (
    classify,
    in_quiet_hours,
    messaging_settings,
    next_local_day,
    quiet_hours_end,
)

log = logging.getLogger(__name__)
BACKOFF_MAX = timedelta(hours=6)
ERROR_MAX = 500


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    seconds = conf.MESSAGING_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), BACKOFF_MAX)


def claim_due(*, now=None, limit: int | None = None, organization=None) -> tuple[uuid.UUID, list]:
    """Claim up to `limit` due queued messages for this worker: (token, messages)."""
    now = now or timezone.now()
    limit = limit or conf.MESSAGING_BATCH
    token = uuid.uuid4()
    due = Message.objects.filter(status=Message.Status.QUEUED, due_at__lte=now)
    if organization is not None:
        due = due.filter(organization=organization)
    ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return token, []
    Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(
        status=Message.Status.SENDING, claim_token=token, claimed_at=now
    )
    claimed = list(
        Message.objects.filter(claim_token=token, status=Message.Status.SENDING)
        .select_related("organization", "customer")
        .order_by("due_at", "pk")
    )
    return token, claimed


# Where each channel goes, read from the card when the message is sent (a number or an
# address changed since it was queued: the new one; cleared: not sent, no address).
RECIPIENT_FIELD = {
    MessageChannel.SMS: "mobile",
    MessageChannel.WECHAT: "wechat_openid",
    MessageChannel.EMAIL: "email",
    MessageChannel.LETTER: "address",
}


def current_recipient(message: Message) -> str:
    """The card's number or address for the message's channel: from the customer read
    with the claim (claim_due loads it after claiming), else read now."""
    field = RECIPIENT_FIELD[message.channel]
    if "customer" in message._state.fields_cache:
        return getattr(message.customer, field) or ""
    return (
        Customer.objects.filter(pk=message.customer_id).values_list(field, flat=True).first() or ""
    )


def _finish(message, token, **fields) -> bool:
    """Record the outcome, only while this worker still holds the claim."""
    return bool(
        Message.objects.filter(
            pk=message.pk, claim_token=token, status=Message.Status.SENDING
        ).update(**fields)
    )


def _sent_today(organization, now) -> int:
    start, end = day_bounds(organization, local_date(organization, now))
    return Message.objects.filter(
        organization=organization, status=Message.Status.SENT, sent_at__gte=start, sent_at__lt=end
    ).count()


class _Day:
    """The daily cap's count per organization within one run."""

    def __init__(self, now):
        self.now = now
        self.counts: dict[int, int] = {}

    def room(self, organization, settings: MessagingSettings) -> bool:
        if organization.pk not in self.counts:
            self.counts[organization.pk] = _sent_today(organization, self.now)
        return self.counts[organization.pk] < settings.daily_cap

    def add(self, organization):
        self.counts[organization.pk] = self.counts.get(organization.pk, 0) + 1

    def remove(self, organization):
        self.counts[organization.pk] -= 1


def batch_reasons(claimed: list[Message], now) -> dict[int, str]:
    """The rules' verdict for each claimed message (message id → reason or ""), checked
    after the claim with one set of queries per organization, channel and purpose."""
    groups: dict[tuple, list[Message]] = defaultdict(list)
    for message in claimed:
        groups[(message.organization_id, message.channel, message.purpose)].append(message)
    verdicts = {}
    for (_, channel, purpose), messages in groups.items():
        ids = {m.customer_id for m in messages}
        reasons = classify(
            Customer.objects.filter(pk__in=ids),
            messages[0].organization,
            channel=channel,
            purpose=purpose,
            now=now,
        )
        for m in messages:
            verdicts[m.pk] = reasons.get(m.customer_id, "gone")
    return verdicts


class _Run:
    """What one tick keeps between batches: each organization's settings, the daily
    cap's counts, one backend per channel (its kept-alive connection reused)."""

    def __init__(self, now):
        self.day = _Day(now)
        self.settings: dict[int, MessagingSettings] = {}
        self.backends: dict[str, object] = {}

    def settings_for(self, organization) -> MessagingSettings:
        found = self.settings.get(organization.pk)
        if found is None:
            found = self.settings[organization.pk] = messaging_settings(organization)
        return found

    def backend(self, channel: str):
        if channel not in self.backends:
            self.backends[channel] = backend_for(channel)
        return self.backends[channel]


def _prepare(message: Message, token, *, now, run: _Run, reason: str) -> str:
    """Everything before the provider: "send", or what became of a message the rules,
    the quiet hours or the daily cap hold back (recorded here). A message to send has its
    place under the daily cap taken."""
    organization = message.organization
    settings = run.settings_for(organization)
    marketing = message.purpose == Purpose.MARKETING
    if marketing and in_quiet_hours(settings, now):
        if settings.quiet_action == MessagingSettings.QuietAction.SUPPRESS:
            _finish(
                message, token, status=Message.Status.SUPPRESSED, suppression_reason="quiet_hours"
            )
            return "suppressed"
        _finish(
            message,
            token,
            status=Message.Status.QUEUED,
            due_at=quiet_hours_end(settings, now),
            postponed=True,
            claim_token=None,
            attempts=message.attempts,
        )
        return "postponed"
    # Sent to the number or address on the card now (it may have changed since queued).
    to = current_recipient(message) if not reason else ""
    if not reason and not to:
        reason = Suppression.NO_ADDRESS
    if reason:
        _finish(message, token, status=Message.Status.SUPPRESSED, suppression_reason=reason[:12])
        return "suppressed"
    if to != message.recipient:
        Message.objects.filter(pk=message.pk, claim_token=token).update(recipient=to)
        message.recipient = to
    if not run.day.room(organization, settings):
        _finish(
            message,
            token,
            status=Message.Status.QUEUED,
            due_at=next_local_day(organization, now, settings.quiet_end),
            claim_token=None,
            last_error="daily cap",
        )
        return "deferred"
    run.day.add(organization)
    return "send"


def _provider_failed(message: Message, token, error: ProviderError, *, now) -> str:
    text = f"{error.code}: {error}"[:ERROR_MAX] if error.code else str(error)[:ERROR_MAX]
    if error.retry and message.attempts < conf.MESSAGING_MAX_ATTEMPTS:
        _finish(
            message,
            token,
            status=Message.Status.QUEUED,
            due_at=now + backoff(message.attempts),
            claim_token=None,
            last_error=text,
        )
        return "retry"
    _finish(message, token, status=Message.Status.FAILED, last_error=text)
    return "failed"


def _record_sent(sent: list[tuple[int, str]], token, *, now) -> None:
    """Mark the provider's accepted messages sent, in one transaction for the group, each
    only while this worker still holds its claim. One prepared statement run for every
    row (building an ORM expression per row cost more than the sends)."""
    if not sent:
        return
    table = connection.ops.quote_name(Message._meta.db_table)
    column = connection.ops.quote_name
    field = Message._meta.get_field
    sql = (
        f"UPDATE {table} SET {column('status')} = %s, {column('sent_at')} = %s, "
        f"{column('last_error')} = %s, {column('provider_id')} = %s "
        f"WHERE {column('id')} = %s AND {column('claim_token')} = %s AND {column('status')} = %s"
    )
    sent_at = field("sent_at").get_db_prep_value(now, connection)
    claim = field("claim_token").get_db_prep_value(token, connection)
    rows = [
        (
            Message.Status.SENT.value,
            sent_at,
            "",
            provider_id,
            pk,
            claim,
            Message.Status.SENDING.value,
        )
        for pk, provider_id in sent
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def send_batch(claimed: list[Message], token, *, now, run: _Run) -> Counter:
    """Send one claimed batch: the rules once for the batch, the attempts counted in one
    statement before the first send, each message through its provider, and the sent ones
    recorded in groups of MESSAGING_SENT_GROUP. A worker killed before a group is recorded
    leaves those messages 'sending': recovery asks the provider by their keys (rule 4)."""
    result = Counter()
    verdicts = batch_reasons(claimed, now)
    to_send = []
    for message in claimed:
        outcome = _prepare(message, token, now=now, run=run, reason=verdicts[message.pk])
        if outcome == "send":
            to_send.append(message)
        else:
            result[outcome] += 1
    if not to_send:
        return result
    Message.objects.filter(pk__in=[m.pk for m in to_send], claim_token=token).update(
        attempts=F("attempts") + 1
    )
    sent: list[tuple[int, str]] = []
    group = conf.MESSAGING_SENT_GROUP
    for message in to_send:
        message.attempts += 1
        try:
            provider_id = run.backend(message.channel).send(
                message,
                to=message.recipient,
                text=message.text,
                subject=message.subject,
                key=message.idempotency_key,
            )
        except ProviderError as error:
            run.day.remove(message.organization)
            result[_provider_failed(message, token, error, now=now)] += 1
            continue
        sent.append((message.pk, str(provider_id)[:100]))
        if len(sent) >= group:
            _record_sent(sent, token, now=now)
            result["sent"] += len(sent)
            sent = []
    if sent:
        _record_sent(sent, token, now=now)
        result["sent"] += len(sent)
    return result


def recover_stale(*, now=None) -> Counter:
    """Messages a dead worker left 'sending': asked for at the provider by their key, then
    sent, queued again or failed (see the module's rule 4)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=conf.MESSAGING_CLAIM_TIMEOUT_MINUTES)
    result = Counter()
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=cutoff)
    for message in stale.select_related("organization")[: conf.MESSAGING_BATCH]:
        token = uuid.uuid4()
        taken = Message.objects.filter(
            pk=message.pk, status=Message.Status.SENDING, claim_token=message.claim_token
        ).update(claim_token=token, claimed_at=now)
        if not taken:
            continue  # another worker recovered it first
        try:
            found = backend_for(message.channel).lookup(
                message, to=message.recipient, key=message.idempotency_key
            )
        except ProviderError as error:
            # Cannot ask now: leave it for the next round (the claim ages again).
            Message.objects.filter(pk=message.pk, claim_token=token).update(
                claimed_at=message.claimed_at, last_error=f"lookup: {error}"[:ERROR_MAX]
            )
            result["unchecked"] += 1
            continue
        if found is UNKNOWN:
            _finish(
                message,
                token,
                status=Message.Status.FAILED,
                last_error="result unknown: the worker stopped while sending",
            )
            result["unknown"] += 1
        elif found:
            _finish(
                message,
                token,
                status=Message.Status.SENT,
                provider_id=str(found)[:100],
                sent_at=message.claimed_at,
            )
            result["found_sent"] += 1
        else:
            _finish(message, token, status=Message.Status.QUEUED, claim_token=None)
            result["requeued"] += 1
    return result


def send_due(*, now=None, limit: int | None = None, organization=None) -> dict:
    """One tick: recover stale claims, then claim and send due messages in batches until
    none are due (or `limit` were handled). Safe to run twice at once."""
    fixed_now = now
    result = Counter(recover_stale(now=now))
    handled = 0
    run = _Run(now or timezone.now())
    while limit is None or handled < limit:
        moment = fixed_now or timezone.now()
        batch = (
            conf.MESSAGING_BATCH if limit is None else min(conf.MESSAGING_BATCH, limit - handled)
        )
        token, claimed = claim_due(now=moment, limit=batch, organization=organization)
        if not claimed:
            break
        result.update(send_batch(claimed, token, now=moment, run=run))
        handled += len(claimed)
    return dict(result)
