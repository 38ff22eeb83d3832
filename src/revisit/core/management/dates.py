"""Command-line arguments shared by the data commands."""

from datetime import date

from django.core.management.base import CommandError


def iso_date(text: str) -> date:
    """A YYYY-MM-DD argument, refused with a message in both languages."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {text!r} (expected YYYY-MM-DD)") from None
