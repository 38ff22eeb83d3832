"""Imports through the browser: upload, check the detected columns on a preview, adjust
the mapping, confirm, then read the counts and download the rejected rows."""

import csv
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revisit.core.access import (
    get_import_run_or_404,
    get_job_or_404,
    import_stores,
    visible_import_runs,
)
from revisit.core.audit import record_event
from revisit.core.models import Job
from revisit.imports.columns import FIELDS
from revisit.imports.errors import FileRefused
from revisit.imports.limits import too_large
from revisit.imports.scope import ImportScope
from revisit.imports.services import ImportFileError, preview
from revisit.imports.tasks import IMPORT_JOB, import_in_background
from revisit.web.forms import UploadForm
from revisit.web.permissions import IMPORT_ROLES, require_roles

ALLOWED_SUFFIXES = {".csv", ".xlsx"}
REJECTS_SHOWN = 500


def _upload_dir(request) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / request.user.organization.code


@require_roles(IMPORT_ROLES)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    form.offer_stores(
        import_stores(request.user),
        whole_organization=ImportScope.of(
            request.user.organization, request.user
        ).whole_organization,
    )
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        suffix = Path(file.name).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            form.add_error("file", _("Only .csv and .xlsx files can be imported."))
        elif file.size > settings.IMPORT_MAX_FILE_BYTES:
            form.add_error("file", too_large(settings.IMPORT_MAX_FILE_BYTES))
        else:
            token = uuid.uuid4().hex
            folder = _upload_dir(request)
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / f"{token}{suffix}").open("wb") as out:
                for chunk in file.chunks():
                    out.write(chunk)
            uploads = request.session.setdefault("uploads", {})
            uploads[token] = {
                "name": Path(file.name).name,
                "suffix": suffix,
                "kind": form.cleaned_data["kind"],
                "store": getattr(form.cleaned_data["store"], "pk", None),
            }
            request.session.modified = True
            return redirect("import_preview", token=token)
    runs = visible_import_runs(request.user).select_related("actor", "store")
    return render(
        request,
        "web/imports/upload.html",
        {"form": form, "runs": runs.order_by("-started_at")[:30]},
    )


def _mapping(request, headers: list[str]) -> dict[str, str] | None:
    """The user's choice per column, from `col_<n>` fields (empty = ignore)."""
    source = request.POST if request.method == "POST" else request.GET
    if not any(key.startswith("col_") for key in source):
        return None
    return {h: source.get(f"col_{i}", "") for i, h in enumerate(headers)}


@require_roles(IMPORT_ROLES)
def confirm(request, token: str):
    upload = request.session.get("uploads", {}).get(token)
    if upload is None:
        raise Http404
    if "job" in upload:  # confirmed already: a reload or a second click follows that job
        return redirect("import_job", job=upload["job"])
    path = _upload_dir(request) / f"{token}{upload['suffix']}"
    store = _store(request, upload.get("store"))
    kind = upload["kind"]
    headers = upload.get("headers")
    mapping = _mapping(request, headers) if headers else None
    error = None
    try:
        shown = preview(
            path,
            kind,
            mapping,
            name=upload["name"],
            organization=request.user.organization,
            actor=request.user,
            store=store,
        )
    except FileRefused as exc:
        # Unusable whatever the mapping: keep nothing of it, and show why.
        path.unlink(missing_ok=True)
        request.session["uploads"].pop(token, None)
        request.session.modified = True
        shown, error = None, str(exc)
    except ImportFileError as exc:
        shown, error = None, str(exc)
    if shown is not None and headers is None:
        # The file's own column order, kept so the mapping fields keep their numbers.
        headers = upload["headers"] = list(shown["columns"]) + list(shown["unmapped"])
        request.session.modified = True
    # An opening-balance file goes in whole or not at all: with a rejected row there is
    # nothing to confirm.
    refused = kind == "balances" and bool(shown and shown.get("rejected"))
    if request.method == "POST" and error is None and not refused:
        # Checked again and written by the worker, which deletes the file when done.
        job = import_in_background(
            organization_id=request.user.organization_id,
            actor_id=request.user.pk,
            store_id=getattr(store, "pk", None),
            path=path,
            kind=kind,
            mapping=mapping,
            name=upload["name"],
        )
        upload["job"] = job.pk
        request.session.modified = True
        return redirect("import_job", job=job.pk)
    chosen = shown["columns"] if shown else {}
    columns = [
        {"index": i, "header": h, "field": chosen.get(h, "")} for i, h in enumerate(headers or [])
    ]
    return render(
        request,
        "web/imports/preview.html",
        {
            "upload": upload,
            "store": store,
            "kind": kind,
            "refused": refused,
            "error": error,
            "preview": shown,
            "columns": columns,
            "fields": FIELDS[kind],
            "field_order": [f.name for f in FIELDS[kind]],
            "field_labels": {f.name: f.label for f in FIELDS[kind]},
        },
    )


@require_roles(IMPORT_ROLES)
def import_running(request, job: str):
    """Waits for a background import: polls itself every two seconds and says how far it
    is, then goes to the import run's page, or shows why it failed."""
    if not job.isdigit() or len(job) > 18:
        raise Http404
    job = get_job_or_404(request.user, pk=int(job), kind=IMPORT_JOB)
    if job.status == Job.Status.DONE:
        run = get_import_run_or_404(request.user, job.result["run_id"])
        messages.success(request, run.message.splitlines()[0])
        url = reverse("import_run", args=[run.pk])
        if request.htmx:
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)
    if job.status == Job.Status.FAILED and request.htmx:
        return HttpResponse(headers={"HX-Refresh": "true"})  # show the failure page
    error = job.error_message() if job.status == Job.Status.FAILED else None
    progress = (job.result or {}).get("progress") if job.status == Job.Status.RUNNING else None
    return render(
        request,
        "web/imports/running.html",
        {"error": error, "job": job, "progress": progress, "file_name": job.args.get("name")},
    )


def _store(request, pk: int | None):
    """The store chosen on the upload page, if the uploader may still import into it."""
    if pk is None:
        return None
    store = import_stores(request.user).filter(pk=pk).first()
    if store is None:
        raise Http404
    return store


@require_roles(IMPORT_ROLES)
def run_detail(request, pk: int):
    run = get_import_run_or_404(request.user, pk)
    rejects = []
    if run.rejects_path and Path(run.rejects_path).exists():
        with open(run.rejects_path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for i, row in enumerate(reader):
                if i >= REJECTS_SHOWN:
                    break
                rejects.append(row)
    return render(request, "web/imports/run.html", {"run": run, "rejects": rejects})


@require_roles(IMPORT_ROLES)
def run_rejects(request, pk: int):
    run = get_import_run_or_404(request.user, pk)
    if not run.rejects_path or not Path(run.rejects_path).exists():
        raise Http404
    record_event(
        run.organization,
        actor=request.user,
        action="export",
        target=run,
        table="import-rejects",
        rows=run.rejected,
    )
    return FileResponse(
        open(run.rejects_path, "rb"),
        as_attachment=True,
        filename=f"rejects-{Path(run.file_name).stem}.csv",
    )
