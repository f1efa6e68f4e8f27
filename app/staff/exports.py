"""Large CSV exports of the dashboard lists, written by a Celery worker (app/platform/tasks.py).

A list's ``?format=csv`` streams the file in the request (app/web/tables.py) unless the list holds
more than ``CSV_INLINE_ROWS`` rows: then ``start_export`` enqueues ``export_csv`` with the list's
filters, search and sort, and sends the employee to ``/dashboard/<org>/exports/<job>``, which
offers the file once the worker has stored it (at once without a broker: the task runs in the
request). The worker rebuilds the list as that employee sees it (the same table, the same
org-scoped query) and stores the CSV through the storage interface under
``private/exports/<org_id>/<employee_id>/<job>.csv``: only the employee who asked can download it
(anyone else gets 404), from any web host.
"""

from __future__ import annotations

from celery import shared_task
from flask import abort, current_app, g, redirect, render_template, send_file, session, url_for
from flask_babel import force_locale, get_locale

from app.db import new_id
from app.extensions import db
from app.orgs.models import Org, OrgEmployee
from app.platform.storage import storage
from app.platform.tasks import enqueue
from app.staff.blueprint import bp
from app.web import tables

SESSION_KEY = "csv_exports"  # the jobs this session started (the page says "being prepared" for those)
JOBS_KEPT = 10


def export_key(org_id: str, employee_id: str, job_id: str) -> str:
    return f"private/exports/{org_id}/{employee_id}/{job_id}.csv"


def start_export(table: tables.Table, employee: OrgEmployee, args) -> object:
    """Enqueue the export of ``table`` as ``args`` filter it and redirect to its page."""
    job_id = new_id()
    wanted = {key: value for key, value in args.items() if key not in ("format", "page", "per_page")}
    enqueue(export_csv, table.id, employee.id, wanted, str(get_locale() or "en"), job_id)
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-(JOBS_KEPT - 1):], job_id]
    return redirect(url_for("staff.export", job_id=job_id), 303)


@bp.record_once
def _register(state) -> None:
    state.app.extensions[tables.CSV_EXPORTER] = start_export


@shared_task(name="staff.export_csv")
def export_csv(table_id: str, employee_id: str, args: dict, locale: str, job_id: str) -> int:
    """Write the list's CSV to storage (a job). Idempotent: an export already stored is kept.
    Returns its size in bytes."""
    employee = db.session.get(OrgEmployee, employee_id)
    org = db.session.get(Org, employee.org_id) if employee is not None else None
    table = tables.TABLES.get(table_id)
    if org is None or table is None:
        return 0
    key = export_key(org.id, employee.id, job_id)
    store = storage()
    if store.exists(key):
        return 0
    with current_app.test_request_context(f"/dashboard/{org.slug}/", base_url=current_app.config["PUBLIC_URL"]), \
            force_locale(locale):
        g.staff_org, g.employee = org, employee
        data = "".join(table.listing(employee, args).csv_chunks()).encode("utf-8")
    store.save(key, data)
    return len(data)


@bp.get("/exports/<job_id>")
def export(job_id: str):
    """The export's page: the download once the worker stored it, else "being prepared"."""
    ready = storage().exists(export_key(g.staff_org.id, g.employee.id, job_id))
    if not ready and job_id not in session.get(SESSION_KEY, []):
        abort(404)
    return render_template("staff/export.html", job_id=job_id, ready=ready)


@bp.get("/exports/<job_id>.csv")
def export_file(job_id: str):
    key = export_key(g.staff_org.id, g.employee.id, job_id)
    store = storage()
    if not store.exists(key):
        abort(404)
    path = store.local_path(key)
    response = send_file(path if path is not None else store.open(key), as_attachment=True,
                         download_name=f"export-{job_id}.csv", mimetype="text/csv", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
