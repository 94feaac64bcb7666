"""The demo city (`learningcity seed-demo`): real districts, nested geography, every kind of
provider with a site, valid and secret ID numbers, determinism, and working demo logins."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from learningcity.accounts.models import User
from learningcity.core import crypto, idnumber
from learningcity.core.auditlog import unguarded
from learningcity.core.errors import PermissionDenied
from learningcity.core.models import AuditEntry
from learningcity.creditbank.models import Account, LearningRecord, Program
from learningcity.creditbank.selectors import degree_audit
from learningcity.learners.models import Learner
from learningcity.learners.services import ID_CONTEXT
from learningcity.network import services as network_services
from learningcity.network.choices import KIND_SYSTEM, Action, OrganizationKind, ProviderSystem
from learningcity.network.data import AreaRow
from learningcity.network.models import Area, LearningSite, Organization, StaffRole, actor_scope
from learningcity.portal import demo
from learningcity.portal.demo_plan import DISTRICTS_CSV, apportion

SMALL = ("--scale", "0.02", "--learners", "200", "--seed", "7")


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed-demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_city(db: None) -> str:
    """A fiftieth of Shanghai's network with 200 residents; returns the command's output."""
    return _seed(*SMALL)


def _digest() -> str:
    """Everything the demo writes, except random UUIDs, timestamps and ciphertexts."""
    queries = [
        Area.objects.order_by("code").values_list(
            "code", "level", "path", "name_zh", "name_en", "population",
            "population_over_65", "population_non_local",
        ),
        Organization.objects.order_by("code").values_list(
            "code", "kind", "name_zh", "name_en", "area__code", "parent__code", "phone"
        ),
        LearningSite.objects.order_by("organization__code", "id").values_list(
            "organization__code", "area__code", "name_zh", "name_en", "address_zh",
            "address_en", "latitude", "longitude", "rooms", "capacity", "step_free",
            "accessible_toilet", "hearing_loop",
        ),
        User.objects.order_by("username").values_list(
            "username", "display_name", "is_staff", "is_superuser"
        ),
        StaffRole.objects.order_by("user__username", "organization__code").values_list(
            "user__username", "organization__code", "role"
        ),
        Learner.objects.order_by("id_number_index").values_list(
            "name", "birth_date", "gender", "residence_area__code", "household", "phone",
            "preferred_language", "id_number_index", "id_number_masked", "user__username",
        ),
    ]  # fmt: skip
    digest = hashlib.sha256()
    for query in queries:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_builds_the_sixteen_real_districts(small_city: str) -> None:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        expected = [(r["code"], r["name_zh"], r["name_en"]) for r in csv.DictReader(handle)]

    districts = list(
        Area.objects.filter(level="district")
        .order_by("code")
        .values_list("code", "name_zh", "name_en")
    )

    assert len(districts) == 16
    assert districts == sorted(expected)
    assert ("310115", "浦东新区", "Pudong New Area") in districts


def test_city_holds_the_2020_census_figures(small_city: str) -> None:
    city = Area.objects.get(level="city")
    districts = Area.objects.filter(level="district")

    assert (city.code, city.name_zh, city.population) == ("310000", "上海市", 24_870_895)
    assert sum(d.population for d in districts) == 24_870_895
    assert sum(d.population_over_65 for d in districts) == 4_049_012
    assert sum(d.population_non_local for d in districts) == 10_479_652


def test_every_area_path_nests_in_its_parent(small_city: str) -> None:
    areas = Area.objects.exclude(level="city").select_related("parent")

    wrong = [
        a.code
        for a in areas
        if a.parent is None
        or a.path != f"{a.parent.path}{a.code}/"
        or (a.level != "district" and not a.code.startswith(a.parent.code))
    ]

    assert wrong == []
    assert Area.objects.filter(level="town").count() == 16
    assert Area.objects.filter(level="neighbourhood").count() == 120
    assert Area.objects.get(code="310115001001").path == "310000/310115/310115001/310115001001/"


def test_every_organization_path_nests_in_its_parent(small_city: str) -> None:
    orgs = Organization.objects.select_related("parent")

    wrong = [o.code for o in orgs if o.path != f"{o.parent.path if o.parent else ''}{o.pk}/"]

    assert wrong == []
    assert Organization.objects.filter(code="310101001-CS", parent__code="310101-CC").exists()


def test_every_kind_of_organization_exists(small_city: str) -> None:
    kinds = set(Organization.objects.values_list("kind", flat=True))

    assert kinds == set(OrganizationKind.values)


def test_scaled_counts_follow_the_seed(small_city: str) -> None:
    counts = demo.city_counts()

    assert counts["organizations.community_college"] == 16
    assert counts["organizations.community_school"] == 16
    assert counts["organizations.neighbourhood_site"] == 60
    assert counts["organizations.training_institution"] == 120
    assert counts["organizations.employer"] == 10
    assert counts["organizations.elder_college"] == 1
    assert counts["organizations.town_office"] == 16


def test_every_provider_has_a_site_inside_shanghai(small_city: str) -> None:
    providers = [k for k, s in KIND_SYSTEM.items() if s != ProviderSystem.GOVERNANCE]

    without_site = Organization.objects.filter(kind__in=providers, sites__isnull=True)
    sites = LearningSite.objects.all()

    assert without_site.count() == 0
    assert all(
        Decimal("30.7") <= (s.latitude or 0) <= Decimal("31.9")
        and Decimal("120.9") <= (s.longitude or 0) <= Decimal("122.0")
        for s in sites
    )
    assert all(s.address_zh and s.address_en and s.capacity > 0 for s in sites)


def test_learners_have_valid_unique_id_numbers(small_city: str) -> None:
    learners = list(Learner.objects.select_related("residence_area"))

    numbers = [
        idnumber.parse(
            crypto.decrypt(bytes(learner.id_number_encrypted or b""), context=ID_CONTEXT)
        )
        for learner in learners
    ]

    assert len(learners) == 200
    assert len({n.value for n in numbers}) == 200
    for learner, number in zip(learners, numbers, strict=True):
        assert re.fullmatch(r"31\d\d\*{10}\d{3}[\dX]", learner.id_number_masked)
        assert number.region_code == learner.residence_area.code[:6]
        assert number.birth_date == learner.birth_date
        assert number.is_male == (learner.gender == "male")


def test_id_number_plaintext_is_nowhere_in_the_database(small_city: str) -> None:
    plaintexts = {
        crypto.decrypt(bytes(blob or b""), context=ID_CONTEXT)
        for blob in Learner.objects.values_list("id_number_encrypted", flat=True)
    }
    found: set[str] = set()

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from Django
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str):
                        found.update(re.findall(r"\d{17}[\dX]", value))

    assert len(plaintexts) == 200
    assert found & plaintexts == set()


# Transactional: flushing inside a test's open transaction fails on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_same_seed_gives_identical_data(small_city: str) -> None:
    first = _digest()
    call_command("flush", interactive=False, verbosity=0)

    _seed(*SMALL)

    assert _digest() == first


# Transactional: flushing inside a test's open transaction fails on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_another_seed_gives_another_city(small_city: str) -> None:
    first = _digest()
    call_command("flush", interactive=False, verbosity=0)

    _seed("--scale", "0.02", "--learners", "200", "--seed", "8")

    assert _digest() != first


def test_if_empty_on_a_loaded_database_changes_nothing(small_city: str) -> None:
    before = demo.city_counts()

    output = _seed("--if-empty", *SMALL)

    assert "Demo city already loaded" in output
    assert "municipal" in output
    assert demo.city_counts() == before


def test_a_loaded_database_is_refused_without_if_empty(small_city: str) -> None:
    with pytest.raises(CommandError, match="already holds a city"):
        _seed(*SMALL)


def test_an_interrupted_load_is_not_mistaken_for_a_loaded_city(small_city: str) -> None:
    with unguarded():  # the audit log is append-only; the test stages a load never finished
        AuditEntry.objects.filter(action=demo.SEEDED_ACTION).delete()

    with pytest.raises(CommandError, match="never finished"):
        _seed("--if-empty", *SMALL)


def test_demo_logins_authenticate(small_city: str) -> None:
    users = {
        name: authenticate(username=name, password=demo.DEMO_PASSWORD)
        for name in demo.DEMO_LOGIN_ROLES
    }

    assert [name for name, user in users.items() if user is None] == []
    assert users["admin"] is not None and users["admin"].is_superuser
    for name in demo.DEMO_LOGIN_ROLES:
        assert name in small_city


def test_demo_logins_hold_their_posts(small_city: str) -> None:
    huangpu = User.objects.get(username="huangpu")
    municipal = User.objects.get(username="municipal")
    town = User.objects.get(username="town")
    school = User.objects.get(username="school")

    assert actor_scope(municipal, Action.CHANGE).area_paths == ("310000/",)
    assert actor_scope(huangpu, Action.CHANGE).area_paths == ("310000/310101/",)
    assert actor_scope(town, Action.CHANGE).area_paths == ("310000/310101/310101001/",)
    assert school.staff_roles.get().organization.code == "310101001-CS"
    assert Learner.objects.get(user__username="resident").residence_area.code[:6] == "310101"
    assessor = User.objects.get(username="assessor")
    assert actor_scope(assessor, Action.ASSESS).everything


def test_demo_resident_has_a_degree_audit_with_something_to_convert(small_city: str) -> None:
    account = Account.objects.get(learner__user__username="resident")
    program = Program.objects.get(code="OU-AS-ADM")
    audit = degree_audit(account, program)
    lines = {line.code: line for line in audit.courses}

    assert audit.earned_in_program == Decimal("24")
    assert lines["ADM105"].candidate_via == "transfer"
    assert lines["GEN101"].candidate_via == "equivalence:NCRE-1"
    assert "书法入门" in audit.never_convert
    assert not audit.complete
    assert LearningRecord.objects.filter(status="verified").count() > 100


def test_staff_posts_are_filled_at_every_level(small_city: str) -> None:
    staffed = set(StaffRole.objects.values_list("organization__kind", "role"))

    assert staffed == {
        ("education_commission", "admin"),
        ("district_office", "admin"),
        ("town_office", "registrar"),
        ("community_school", "admin"),
        ("service_center", "assessor"),
        ("education_commission", "finance_officer"),
        ("district_office", "finance_officer"),
    }
    assert StaffRole.objects.filter(organization__kind="town_office").count() == 16


def test_each_bulk_load_writes_one_audit_row(small_city: str) -> None:
    actions = AuditEntry.objects.filter(action__endswith="bulk_create").values_list(
        "action", flat=True
    )

    assert sorted(actions) == [
        "area.bulk_create",
        "class.bulk_create",
        "course.bulk_create",
        *["organization.bulk_create"] * 6,
        "site.bulk_create",
    ]
    assert AuditEntry.objects.get(action="site.bulk_create").data == {
        "count": LearningSite.objects.count()
    }


def test_a_district_administrator_cannot_bulk_load(small_city: str) -> None:
    huangpu = User.objects.get(username="huangpu")
    row = AreaRow(code="310101001999", level="neighbourhood", parent_code="310101001", name_zh="新")

    with pytest.raises(PermissionDenied):
        network_services.areas_bulk_create(actor=huangpu, rows=[row])

    assert not Area.objects.filter(code="310101001999").exists()


def test_apportion_keeps_the_total_and_the_minimum() -> None:
    shares = apportion(10, [5.0, 1.0, 0.1], minimum=1)

    assert shares == [7, 2, 1]
    assert sum(apportion(24_870_895, [662.0, 5682.0, 638.0])) == 24_870_895


def test_the_most_wanted_classes_are_oversubscribed(small_city: str) -> None:
    from learningcity.enrollment.models import Application

    resident_choices = list(
        Application.objects.filter(learner__user__username="resident")
        .order_by("rank")
        .values_list("rank", "klass__course__title_zh", "status")
    )
    piano = Application.objects.filter(klass__course__title_zh="钢琴").values("klass").first()

    assert resident_choices == [(1, "钢琴", "applied"), (2, "书法", "applied")]
    assert piano is not None
    klass_id = piano["klass"]
    from learningcity.catalog.models import Class

    capacity = Class.objects.get(pk=klass_id).capacity
    assert Application.objects.filter(klass_id=klass_id).count() > capacity
