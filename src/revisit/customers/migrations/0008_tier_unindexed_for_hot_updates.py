from django.db import migrations

# Room on every page for a new version of each row: an inventory sets the tier of every
# customer at once, and with no index on the tier (and space on the page) PostgreSQL
# updates each row in place (HOT) instead of adding an entry to every customer index.
# Applies to pages written from now on; `VACUUM FULL customers_customer` repacks old ones.
FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("customers", "Customer")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("customers", "Customer")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_search_name_code_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customers_c_organiz_b67309_idx",
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
