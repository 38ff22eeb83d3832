"""Names in a file → rows in the database, within one organization."""

from revisit.core.models import Organization, Staff, Store


def store_ids(organization: Organization) -> dict[str, int]:
    """Store code or name → id."""
    ids = {}
    for pk, code, name in Store.objects.filter(organization=organization).values_list(
        "pk", "code", "name"
    ):
        ids[name] = pk
        ids[code] = pk
    return ids


def staff_ids(organization: Organization) -> dict[str, int]:
    """Staff display name or username → id (display names win)."""
    ids = {}
    for pk, username, display in Staff.objects.filter(organization=organization).values_list(
        "pk", "username", "display_name"
    ):
        ids.setdefault(username, pk)
        if display:
            ids[display] = pk
    return ids
