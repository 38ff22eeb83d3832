"""Inventories that existed before drafts keep driving the pages: the migration marks
them published."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("grading", "0003_snapshot_keys_without_db_constraints")]
AFTER = [("grading", "0004_inventory_status_and_upgrade_basis_value")]


@pytest.mark.django_db(transaction=True)
def test_existing_inventories_are_published_by_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    org = old.get_model("core", "Organization").objects.create(code="old", name="旧机构")
    Inventory = old.get_model("grading", "Inventory")
    created = Inventory.objects.create(organization=org, as_of=date(2024, 6, 30))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    inventory = new.get_model("grading", "Inventory").objects.get(pk=created.pk)
    assert inventory.status == "published"
    assert inventory.published_at == inventory.created_at
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
