"""What an import tells the apps above it, once its rows are committed (imports is a
lower app: it does not call them, they listen)."""

from django.dispatch import Signal

# Sent after an order import commits, with `organization`, `actor` and `after_line_id`:
# every order line it added has a larger id (the points program posts their points).
orders_imported = Signal()
