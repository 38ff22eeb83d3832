from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from revisit.core.access import visible_customers


@login_required
def home(request):
    return render(
        request,
        "web/home.html",
        {
            "customer_count": visible_customers(request.user).count(),
            "roles": request.user.role_assignments.select_related("store", "region"),
        },
    )
