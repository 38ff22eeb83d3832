"""Drop the single-column indexes of Order.organization, Order.customer,
OrderLine.order and OrderLine.organization: other indexes lead with the same column
(unique (organization, order_no), (customer, order_date), unique (order, line_no),
(organization, customer, order_date, amount)), so no query needs them, and each one is
written for every imported order or line inside the import's write transaction.

Dropped by name, not by AlterField: on SQLite an AlterField copies the whole table
(four copies of the largest tables); DROP INDEX is instant on both databases.
"""

import django.db.models.deletion
from django.db import migrations, models


INDEXES = [
    ("sales_order_organization_id_d8ef11a0", "sales_order", "organization_id"),
    ("sales_order_customer_id_798c889f", "sales_order", "customer_id"),
    ("sales_orderline_order_id_9f597de6", "sales_orderline", "order_id"),
    ("sales_orderline_organization_id_aadd54b9", "sales_orderline", "organization_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_front_desk_role"),
        ("customers", "0008_tier_unindexed_for_hot_updates"),
        ("sales", "0002_order_line_covering_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="core.organization",
                        verbose_name="organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderline",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="sales.order",
                        verbose_name="order",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderline",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.organization",
                        verbose_name="organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
        )
    ]
