"""Times are stored in UTC and read in the organization's time zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from revisit.core.models import Organization


def org_zone(organization: Organization) -> ZoneInfo:
    return ZoneInfo(organization.timezone or "Asia/Shanghai")


def local_date(organization: Organization, moment: datetime | None = None) -> date:
    """The organization's calendar date at `moment` (default: now)."""
    return timezone.localtime(moment or timezone.now(), org_zone(organization)).date()


def day_bounds(organization: Organization, day: date) -> tuple[datetime, datetime]:
    """[start, end) of the organization's local day, as aware datetimes."""
    zone = org_zone(organization)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)
