from django.contrib import admin

from revisit.core.admin import OrganizationScopedAdmin
from revisit.sales.models import Item, Order, OrderLine


@admin.register(Item)
class ItemAdmin(OrganizationScopedAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "list_price",
        "price_level",
        "is_promo",
        "is_expert",
    ]
    list_filter = ["category", "price_level", "is_promo", "is_expert"]
    search_fields = ["code", "name"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["item", "practitioner", "customer"]
    exclude = ["organization"]


@admin.register(Order)
class OrderAdmin(OrganizationScopedAdmin):
    list_display = ["order_no", "order_date", "customer", "store", "consultant"]
    list_filter = ["store"]
    date_hierarchy = "order_date"
    search_fields = ["order_no", "customer__code", "customer__name"]
    raw_id_fields = ["customer", "consultant"]
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(OrderLine)
class OrderLineAdmin(OrganizationScopedAdmin):
    list_display = ["order", "line_no", "order_date", "customer", "item", "quantity", "amount"]
    raw_id_fields = ["order", "customer", "item", "practitioner"]
    show_full_result_count = False
