"""The wallet listens to the apps below it."""

import logging

from revisit.imports.signals import orders_imported

log = logging.getLogger(__name__)


def _post_imported_points(sender, *, organization, actor, after_line_id, **kwargs):
    from revisit.wallet.points import post_order_points

    try:
        post_order_points(organization, after_line_id=after_line_id, actor=actor)
    except Exception:
        # The import is committed; the nightly points sweep posts what is missing.
        log.exception("points of imported orders failed for organization %s", organization.pk)


def connect() -> None:
    orders_imported.connect(_post_imported_points, dispatch_uid="wallet.points.orders_imported")
