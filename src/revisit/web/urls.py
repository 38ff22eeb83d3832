from django.urls import path

from revisit.web.views import customers, home, imports, inventories, queue, reports, strategies
from revisit.web.views import revisit_team as team

urlpatterns = [
    path("", home.home, name="home"),
    path("queue/", queue.queue, name="queue"),
    path("queue/tasks/<int:pk>/fields/", queue.outcome_fields, name="queue_fields"),
    path("queue/tasks/<int:pk>/record/", queue.record, name="queue_record"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer"),
    path("customers/<int:pk>/phone/", customers.reveal_phone, name="reveal_phone"),
    path("inventories/", inventories.inventory_list, name="inventories"),
    path("inventories/<int:pk>/", inventories.inventory_detail, name="inventory"),
    path("inventories/running/<str:job>/", inventories.inventory_running, name="inventory_running"),
    path("inventories/<int:pk>/movements/", inventories.migration, name="inventory_migration"),
    path("inventories/<int:pk>/moved/", inventories.moved_customers, name="inventory_moved"),
    path("upgrades/<int:pk>/decide/", inventories.decide_upgrade, name="decide_upgrade"),
    path("imports/", imports.upload, name="imports"),
    path("imports/<str:token>/", imports.confirm, name="import_preview"),
    path("imports/runs/<int:pk>/", imports.run_detail, name="import_run"),
    path("imports/runs/<int:pk>/rejects/", imports.run_rejects, name="import_run_rejects"),
    path("strategies/", strategies.strategy_list, name="strategies"),
    path("strategies/<int:pk>/", strategies.strategy_edit, name="strategy_edit"),
    path("cadences/<int:pk>/", strategies.cadence_edit, name="cadence_edit"),
    path("reports/daily/", reports.daily_report, name="daily_report"),
    path("revisit-team/", team.revisit_team, name="revisit_team"),
    path(
        "revisit-team/customers/<int:pk>/number/",
        team.settle_number,
        name="revisit_team_number",
    ),
    path(
        "revisit-team/customers/<int:pk>/return/",
        team.return_customer,
        name="revisit_team_return",
    ),
    path(
        "revisit-team/customers/owner/",
        team.move_customers,
        name="revisit_team_move_customers",
    ),
    path("revisit-team/tasks/assignee/", team.move_tasks, name="revisit_team_move_tasks"),
    path("revisit-team/hand-over/", team.hand_over, name="revisit_team_hand_over"),
]
