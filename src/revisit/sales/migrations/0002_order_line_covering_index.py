from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
    ]

    operations = [
        # The new index first, so that reads always have one.
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(
                fields=["organization", "customer", "order_date", "amount"],
                name="sales_order_organiz_0763ca_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="orderline",
            name="sales_order_organiz_d60a5f_idx",
        ),
    ]
