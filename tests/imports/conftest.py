import csv
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.db import connection

from revisit.core.models import Role
from tests.factories import make_org, make_staff, make_store


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    settings.IMPORT_REPORT_DIR = tmp_path / "reports"


@pytest.fixture
def clinic():
    org = make_org("clinic")
    store = make_store(org, "SH01")
    store.name = "上海院"
    store.save()
    make_store(org, "HZ01")
    consultant = make_staff(org, Role.CONSULTANT, store=store, name="陈咨询")
    doctor = make_staff(org, Role.PRACTITIONER, store=store, name="唐医生")
    return {"org": org, "store": store, "consultant": consultant, "doctor": doctor}


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def database_url() -> str:
    """The test database's URL, for a child process that works on it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
