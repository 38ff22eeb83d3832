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


def staff_ids(organization: Organization, stores=None) -> dict[str, int]:
    """Staff display name or username → id (display names win). With `stores` (ids), only
    staff working in those stores: a store manager's import cannot hand a customer to
    another store's consultant."""
    people = Staff.objects.filter(organization=organization)
    if stores is not None:
        people = people.filter(role_assignments__store_id__in=stores).distinct()
    ids = {}
    for pk, username, display in people.values_list("pk", "username", "display_name"):
        ids.setdefault(username, pk)
        if display:
            ids[display] = pk
    return ids
