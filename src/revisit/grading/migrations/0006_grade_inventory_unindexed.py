import django.db.models.deletion
from django.db import migrations, models

# The grade table's own index on the inventory goes: the unique (inventory, customer) and
# the (inventory, segment) index lead with it, and an inventory writes one grade per
# customer into every index. Dropped by name, not by AlterField, which rebuilds the whole
# table on SQLite (every grade ever kept copied once).


def _inventory_indexes(schema_editor, model):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, c in found.items()
        if c["index"]
        and not c["unique"]
        and not c["primary_key"]
        and c["columns"] == ["inventory_id"]
    ]


def drop_index(apps, schema_editor):
    model = apps.get_model("grading", "Grade")
    for name in _inventory_indexes(schema_editor, model):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_index(apps, schema_editor):
    model = apps.get_model("grading", "Grade")
    if not _inventory_indexes(schema_editor, model):
        field = model._meta.get_field("inventory")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0005_b_next_share"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="grade",
                    name="inventory",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="grades",
                        to="grading.inventory",
                        verbose_name="inventory",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index, elidable=False)],
        ),
    ]
