"""Where a staff member works the desk: the query and the answer from her roles agree."""

import pytest

from revisit.appointments.access import (
    DESK_ROLES,
    ROSTER_ROLES,
    desk_stores,
    works_desk_at,
)
from revisit.core.backends import StaffBackend
from revisit.core.models import Staff, Store

pytestmark = pytest.mark.django_db


def test_works_desk_at_answers_as_desk_stores_for_every_role_and_store(demo):
    stores = list(Store.objects.all())
    other = Store(pk=10**9, organization_id=-1, code="X", name="X")  # another organization's
    answers = []
    for staff in Staff.objects.all():
        staff = StaffBackend().get_user(staff.pk) or staff  # with her roles, as on a page
        for roles in (DESK_ROLES, ROSTER_ROLES):
            allowed = set(desk_stores(staff, roles).values_list("pk", flat=True))
            for store in stores:
                answer = works_desk_at(staff, store, roles)
                assert answer is (store.pk in allowed), (staff.username, store.code)
                answers.append(answer)
            assert works_desk_at(staff, other, roles) is False
            assert works_desk_at(staff, None, roles) is False
    assert True in answers and False in answers
