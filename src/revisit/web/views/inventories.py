"""Inventories: run one, publish a draft, the segment table with its chart, the segment ×
owner table, movements between two inventories. Every count is limited to the customers
the user may see. Upgrade approvals are in upgrades.py."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from revisit import engine
from revisit.core.access import (
    aggregate_scope,
    get_job_or_404,
    get_org_record_or_404,
    visible_customers,
)
from revisit.core.clock import local_date
from revisit.core.models import Job
from revisit.grading.models import Inventory, check_organization_tier_basis
from revisit.grading.reads import (
    SEGMENT_CODES,
    explain_grade,
    migration_customers,
    migration_matrix,
    segment_owner_matrix,
    segment_store_matrix,
    segment_table,
)
from revisit.grading.services import publish_inventory
from revisit.grading.tasks import INVENTORY_JOB, run_inventory_in_background
from revisit.web.exports import wants_xlsx, xlsx_response
from revisit.web.forms import InventoryForm
from revisit.web.params import MAX_ID, answers_bad_parameters, id_param
from revisit.web.permissions import (
    INVENTORY_RUN_ROLES,
    INVENTORY_VIEW_ROLES,
    has_any,
    require_roles,
)
from revisit.web.templatetags.revisit import segment_name
from revisit.web.views.upgrades import panel_context


def _inventory(request, pk: int) -> Inventory:
    if pk > MAX_ID:
        raise Http404
    return get_org_record_or_404(request.user, Inventory, pk=pk)


def _previous_published(inventory: Inventory) -> Inventory | None:
    """What a movement compares with by default: the last published inventory of an
    earlier date (a what-if draft or a rerun of the same day compares with nothing new)."""
    return (
        Inventory.objects.filter(
            organization_id=inventory.organization_id,
            status=Inventory.Status.PUBLISHED,
            as_of__lt=inventory.as_of,
        )
        .order_by("-as_of", "-id")
        .first()
    )


@require_roles(INVENTORY_VIEW_ROLES)
def inventory_list(request):
    org = request.user.organization
    inventories = Inventory.objects.filter(organization=org).select_related("run_by")
    inventories = inventories.order_by("-as_of", "-id")
    may_run = has_any(request.user, INVENTORY_RUN_ROLES)
    form = InventoryForm(
        request.POST or None, initial={"as_of": local_date(org)}, today=local_date(org)
    )
    status = 200
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                check_organization_tier_basis(org)
                thresholds = d["thresholds"]
                engine.parse_thresholds(thresholds or "mean")
            except ValueError as exc:
                form.add_error("method", str(exc))
            else:
                job = run_inventory_in_background(
                    org.pk, d["as_of"].isoformat(), request.user.pk, d["window_months"], thresholds
                )
                return redirect("inventory_running", job=job.id)
        status = 400
    return render(
        request,
        "web/inventories/list.html",
        {
            "inventories": inventories[:50],
            "form": form,
            "may_run": may_run,
            **panel_context(request, {}),
        },
        status=status,
    )


@require_roles(INVENTORY_RUN_ROLES)
def inventory_running(request, job: str):
    """Waits for a background inventory: polls itself every two seconds, then goes to the
    finished inventory's page, or shows why it failed (also when its worker died)."""
    if not job.isdigit() or len(job) > 18:
        raise Http404
    job = get_job_or_404(request.user, pk=int(job), kind=INVENTORY_JOB)
    if job.status == Job.Status.DONE:
        # Said on both paths: the waiting page usually polls with htmx.
        messages.success(request, _("The inventory is done."))
        url = reverse("inventory", args=[job.result["inventory_id"]])
        if request.htmx:
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)
    if job.status == Job.Status.FAILED and request.htmx:
        return HttpResponse(headers={"HX-Refresh": "true"})  # show the failure page
    error = job.error_message() if job.status == Job.Status.FAILED else None
    return render(request, "web/inventories/running.html", {"error": error, "job": job})


@require_roles(INVENTORY_RUN_ROLES)
@require_POST
def publish(request, pk: int):
    inventory = _inventory(request, pk)
    try:
        publish_inventory(inventory.pk, actor=request.user)
    except (PermissionDenied, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The inventory of %(day)s is published: pages and call lists now use it.")
            % {"day": inventory.as_of.isoformat()},
        )
    return redirect("inventory", pk=inventory.pk)


@require_roles(INVENTORY_VIEW_ROLES)
def inventory_detail(request, pk: int):
    inventory = _inventory(request, pk)
    scope = aggregate_scope(request.user)
    segments = segment_table(inventory, scope)
    owners = segment_owner_matrix(inventory, scope)
    export = request.GET.get("table")
    if wants_xlsx(request) and export == "owners":
        return xlsx_response(
            request,
            name=f"inventory-{inventory.as_of}-owners",
            header=[_("Owner"), *map(segment_name, SEGMENT_CODES), _("Total")],
            rows=([r["owner"], *(r[c] for c in SEGMENT_CODES), r["total"]] for r in owners),
        )
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name=f"inventory-{inventory.as_of}-segments",
            header=[_("Segment"), _("Label"), _("Customers"), _("Share"), "R", "F", "M"],
            rows=(
                [
                    r["segment"],
                    str(r["label"]),
                    r["count"],
                    round(r["share"], 4),
                    r["mean_recency"],
                    r["mean_frequency"],
                    r["mean_monetary"],
                ]
                for r in segments
            ),
        )
    others = Inventory.objects.filter(organization=inventory.organization).exclude(pk=pk)
    chart = {
        "labels": [f"{r['segment']} {r['label']}" for r in segments],
        "counts": [r["count"] for r in segments],
    }
    return render(
        request,
        "web/inventories/detail.html",
        {
            "inventory": inventory,
            "segments": segments,
            "owners": owners,
            "stores": segment_store_matrix(inventory, scope),
            "codes": SEGMENT_CODES,
            "chart": json.dumps(chart, ensure_ascii=False),
            "others": others.order_by("-as_of", "-id")[:20],
            "compare_default": _previous_published(inventory),
            "may_publish": has_any(request.user, INVENTORY_RUN_ROLES),
        },
    )


@require_roles(INVENTORY_VIEW_ROLES)
@answers_bad_parameters
def migration(request, pk: int):
    after = _inventory(request, pk)
    before_id = id_param(request.GET.get("from"), required=False)
    candidates = Inventory.objects.filter(
        organization=after.organization, as_of__lte=after.as_of
    ).exclude(pk=after.pk)
    before = (
        get_object_or_404(candidates, pk=before_id) if before_id else _previous_published(after)
    )
    if before is None:
        messages.info(request, _("A movement needs an earlier inventory."))
        return redirect("inventory", pk=after.pk)
    by = "tier" if request.GET.get("by") == "tier" else "segment"
    counts = migration_matrix(before, after, by=by, scope=aggregate_scope(request.user))
    classes = sorted({c for pair in counts for c in pair}, key=_class_order)
    matrix = [{"from": a, "cells": [(b, counts.get((a, b), 0)) for b in classes]} for a in classes]
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name=f"movement-{before.as_of}-{after.as_of}",
            header=[_("From \\ to"), *map(segment_name, classes)],
            rows=([segment_name(row["from"]), *(n for _, n in row["cells"])] for row in matrix),
        )
    # Left and right nodes carry different marks so that the same class on both sides
    # (and two inventories of the same date) never make a cycle.
    left = {c: f"{segment_name(c)} · {before.as_of}" for c in classes}
    right = {c: f"{segment_name(c)} → {after.as_of}" for c in classes}
    sankey = {
        "nodes": [{"name": n} for n in [*left.values(), *right.values()]],
        "links": [
            {"source": left[a], "target": right[b], "value": n} for (a, b), n in counts.items() if n
        ],
    }
    return render(
        request,
        "web/inventories/migration.html",
        {
            "before": before,
            "after": after,
            "by": by,
            "classes": classes,
            "matrix": matrix,
            "sankey": json.dumps(sankey, ensure_ascii=False),
            "candidates": candidates.order_by("-as_of", "-id")[:20],
        },
    )


def _class_order(code: str):
    order = [*SEGMENT_CODES, "SVIP", "A", "B", "C", "—"]
    return order.index(code) if code in order else len(order)


@require_roles(INVENTORY_VIEW_ROLES)
@answers_bad_parameters
def moved_customers(request, pk: int):
    after = _inventory(request, pk)
    before = _inventory(request, id_param(request.GET.get("from")))
    by = "tier" if request.GET.get("by") == "tier" else "segment"
    from_class, to_class = request.GET.get("from_class", ""), request.GET.get("to_class", "")
    grades = migration_customers(
        before,
        after,
        from_class=from_class,
        to_class=to_class,
        by=by,
        scope=visible_customers(request.user),
    ).select_related("customer__owner", "inventory")
    if wants_xlsx(request):
        return xlsx_response(
            request,
            name=f"movement-{from_class}-{to_class}",
            header=[_("Code"), _("Name"), _("Mobile"), _("Owner"), _("Segment"), _("Tier")],
            rows=(
                [
                    g.customer.code,
                    g.customer.name,
                    g.customer.mobile,
                    str(g.customer.owner or ""),
                    g.segment,
                    g.tier,
                ]
                for g in grades.iterator(2000)
            ),
            phone_column=2,
        )
    page = list(grades.order_by("customer__code")[:500])
    for g in page:
        g.explanation = explain_grade(g)
    return render(
        request,
        "web/inventories/moved.html",
        {
            "before": before,
            "after": after,
            "from_class": from_class,
            "to_class": to_class,
            "grades": page,
            "query": request.GET.urlencode(),
        },
    )
