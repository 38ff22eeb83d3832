"""Existing organizations get the tier strategies (A, B, C; not worked until they choose
to) and the default allocation: SVIP to a VIP manager, B1 to the consultant's assistant.
Neither changes who is called until a manager or an assistant is named."""

from django.db import migrations

TIERS = [
    ("A", "A 类：咨询师维护", "onsite", "expert_event", 2, "owner"),
    ("B", "B 类：咨询师维护", "onsite", "special_price", 3, "owner"),
    ("C", "C 类：呼叫组邀约", "customer_service", "special_price", 5, "call_team"),
]


def add_tier_strategies(apps, schema_editor):
    Strategy = apps.get_model("outreach", "Strategy")
    Strategy.objects.filter(target="SVIP", allocation="department").update(allocation="manager")
    Strategy.objects.filter(target="B1", allocation="department").update(allocation="assistant")
    organizations = set(Strategy.objects.values_list("organization_id", flat=True))
    for org_id in organizations:
        have = set(
            Strategy.objects.filter(organization_id=org_id).values_list("target", flat=True)
        )
        Strategy.objects.bulk_create(
            Strategy(
                organization_id=org_id,
                target=target,
                name=name,
                department=dept,
                invitation_type=invitation,
                priority=priority,
                is_worked=False,
                allocation=allocation,
            )
            for target, name, dept, invitation, priority, allocation in TIERS
            if target not in have
        )


class Migration(migrations.Migration):
    dependencies = [("outreach", "0005_campaigns_tier_allocation")]

    operations = [migrations.RunPython(add_tier_strategies, migrations.RunPython.noop)]
