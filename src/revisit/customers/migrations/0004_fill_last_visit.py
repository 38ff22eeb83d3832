from django.db import migrations
from django.db.models import Max, OuterRef, Subquery


def fill_last_visit(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    OrderLine = apps.get_model("sales", "OrderLine")
    latest = (
        OrderLine.objects.filter(customer_id=OuterRef("pk"), amount__gt=0)
        .values("customer_id")
        .annotate(day=Max("order_date"))
        .values("day")
    )
    Customer.objects.update(last_visit=Subquery(latest))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_phone_last4_last_visit"),
        ("sales", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill_last_visit, migrations.RunPython.noop)]
