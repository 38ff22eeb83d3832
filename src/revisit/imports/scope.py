"""What one import may write, decided by who runs it.

An admin (or the command line, which runs as the organization) imports for the whole
organization. A store manager imports only into the stores she manages: new customers get
one of her stores as their home store, and existing customers are updated only when their
home store is hers. Every row outside that scope is rejected with one reason, whether its
code exists in another store, exists without a store, or names another store in the file,
so that the rejection does not tell apart which of these it was.
"""

from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from revisit.core.access import import_stores, importable_customers
from revisit.core.models import Organization, Staff, Store
from revisit.customers.models import Customer
from revisit.imports.checks import text
from revisit.imports.staging import staged_keys


def outside_reason() -> str:
    return _("Outside the stores you may import into: you cannot create or change this customer.")


@dataclass(frozen=True)
class ImportScope:
    organization: Organization
    actor: Staff | None = None
    store_ids: frozenset[int] | None = None  # None: every store of the organization

    @classmethod
    def of(cls, organization: Organization, actor: Staff | None) -> "ImportScope":
        if importable_customers(actor) is None:
            return cls(organization, actor)
        return cls(
            organization, actor, frozenset(import_stores(actor).values_list("pk", flat=True))
        )

    @property
    def whole_organization(self) -> bool:
        return self.store_ids is None

    def allows_store(self, store: Store) -> bool:
        return store.organization_id == self.organization.pk and (
            self.store_ids is None or store.pk in self.store_ids
        )

    def forbidden_codes(self, codes: pl.Series) -> list[str]:
        """The codes among `codes` that exist in the organization but may not be written."""
        if self.whole_organization:
            return []
        writable = importable_customers(self.actor)
        # The file's codes are staged and joined in the database: one statement.
        with staged_keys(codes) as keys:
            return sorted(
                Customer.objects.filter(organization=self.organization, code__in=keys)
                .exclude(pk__in=writable.values("pk"))
                .order_by()
                .values_list("code", flat=True)
            )

    def rules(self, frame: pl.DataFrame, store_ids: dict[str, int]) -> list:
        """Checks (column, reason, failing) that reject rows outside the scope: a code owned
        elsewhere, or a store column naming a store the actor does not manage (or none)."""
        if self.whole_organization:
            return []
        forbidden = self.forbidden_codes(frame.get_column("customer_code"))
        allowed = {name for name, pk in store_ids.items() if pk in self.store_ids}
        reason = outside_reason()
        return [
            ("customer_code", reason, pl.col("customer_code").is_in(forbidden)),
            ("store", reason, text("store").is_not_null() & ~text("store").is_in(list(allowed))),
        ]
