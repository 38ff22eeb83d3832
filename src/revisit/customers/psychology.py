"""Patient psychology types (心理类型): the organization's list, seed 004's six by default.

Three of the six (要求过高型, 强迫意识型, 缺陷恐惧型) are not at ease before or after a
treatment and need professional psychological support; 缺陷恐惧型 should not be operated
on lightly. The list is the organization's: it may rename, add or retire types."""

from django.db import transaction

from revisit.customers.models import PsychologyType

# (name, description, needs_intervention, operate_with_caution): the organization's data,
# stored in the language the business writes its records in.
DEFAULT_TYPES = [
    ("单纯美容型", "要求符合实际，审美观正常", False, False),
    ("要求过高型", "期望过高，要求往往不切实际", True, False),
    ("敏感多疑型", "自卑，非常在乎别人的眼光", False, False),
    ("强迫意识型", "过于关注某一部位，坚持认为自己有缺陷", True, False),
    ("缺陷障碍型", "存在明显的生理缺陷", False, False),
    ("缺陷恐惧型", "存在明显缺陷，对手术恐惧，伴有心理疾患", True, True),
]


def install_default_psychology_types(organization) -> int:
    """Give `organization` the six default types if it has none yet. Returns how many
    were created (0 when it already has a list)."""
    with transaction.atomic():
        if PsychologyType.objects.filter(organization=organization).exists():
            return 0
        PsychologyType.objects.bulk_create(
            [
                PsychologyType(
                    organization=organization,
                    name=name,
                    description=description,
                    needs_intervention=intervention,
                    operate_with_caution=caution,
                    position=position,
                )
                for position, (name, description, intervention, caution) in enumerate(
                    DEFAULT_TYPES, start=1
                )
            ],
            ignore_conflicts=True,
        )
    return len(DEFAULT_TYPES)


def psychology_types(organization):
    """The organization's types in use, in their order (the defaults on first use)."""
    install_default_psychology_types(organization)
    return PsychologyType.objects.filter(organization=organization, is_active=True)


PSYCHOLOGY_TYPE_FIELDS = [
    "name",
    "description",
    "needs_intervention",
    "operate_with_caution",
    "position",
    "is_active",
]


def update_psychology_type(kind: PsychologyType, changes: dict, *, actor) -> dict:
    """Change one type of the organization's list (audited with before and after)."""
    from revisit.core.changes import save_changes

    _require_admin(actor, kind.organization_id)
    return save_changes(kind, changes, actor=actor, action="psychology_type.edit")


def create_psychology_type(organization, values: dict, *, actor) -> PsychologyType:
    """Add a type to the organization's list (audited)."""
    from revisit.core.audit import record_event

    _require_admin(actor, organization.pk)
    install_default_psychology_types(organization)
    with transaction.atomic():
        kind = PsychologyType.objects.create(organization=organization, **values)
        record_event(organization, actor=actor, action="psychology_type.create", target=kind)
    return kind


def _require_admin(actor, organization_id: int) -> None:
    from django.core.exceptions import PermissionDenied

    from revisit.core.models import Role

    if actor.organization_id != organization_id or not actor.has_role(Role.ADMIN):
        raise PermissionDenied
