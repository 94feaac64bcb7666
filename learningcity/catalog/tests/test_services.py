"""The catalog's services: scope, validation, audit, the search index kept in step, bulk
loads and idempotent class creation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learningcity.catalog import services
from learningcity.catalog.choices import Category, DocumentKind, Mode, ResourceKind
from learningcity.catalog.data import ClassRow, CourseRow, ResourceRow
from learningcity.catalog.models import Class, Course, Resource, SearchDocument
from learningcity.catalog.tests.factories import Catalog, make_course, make_resource
from learningcity.core.errors import NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


# --- Indexing on create ----------------------------------------------------------------------


def test_creating_a_course_and_a_class_indexes_both(catalog: Catalog) -> None:
    course_doc = SearchDocument.objects.get(kind=DocumentKind.COURSE, course=catalog.photo)
    class_doc = SearchDocument.objects.get(klass=catalog.photo_class)

    assert course_doc.title_tokens == "摄影 入门 introduction to photography"
    assert class_doc.course_id == catalog.photo.pk
    assert class_doc.district is not None and class_doc.district.code == "310101"
    assert "黄浦区" in class_doc.body_tokens.split()


def test_creating_a_resource_indexes_it_as_online_and_free(catalog: Catalog) -> None:
    doc = SearchDocument.objects.get(resource=catalog.resource)

    assert (doc.kind, doc.mode, doc.fee) == ("resource", "online", Decimal("0.00"))
    assert "手机" in doc.title_tokens.split()


# --- course_update ---------------------------------------------------------------------------


def test_school_admin_updates_own_course_and_its_documents_follow(
    catalog: Catalog, city: City
) -> None:
    course = services.course_update(
        actor=city.a.school_admin,
        code="HP-PHOTO",
        changes={"fee": Decimal("80.00"), "category": Category.SCIENCE},
    )

    assert course.fee == Decimal("80.00")
    docs = SearchDocument.objects.filter(course=course)
    assert {(d.kind, d.category, d.fee) for d in docs} == {
        ("course", "science", Decimal("80.00")),
        ("class", "science", Decimal("80.00")),
    }
    entry = AuditEntry.objects.get(action="course.update")
    assert entry.data == {"fields": ["category", "fee"]}


def test_another_districts_staff_cannot_update_a_course(catalog: Catalog, city: City) -> None:
    with pytest.raises(NotFound):
        services.course_update(actor=city.b.officer, code="HP-PHOTO", changes={"title_zh": "改了"})

    assert Course.objects.get(code="HP-PHOTO").title_zh == "摄影入门"
    assert not AuditEntry.objects.filter(action="course.update").exists()


def test_course_update_refuses_bad_values_field_by_field(catalog: Catalog, city: City) -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.course_update(
            actor=city.root,
            code="HP-PHOTO",
            changes={"title_zh": " ", "hours": Decimal("0"), "mode": "telepathy"},
        )

    assert sorted(raised.value.fields) == ["hours", "mode", "title_zh"]


def test_course_update_refuses_unknown_fields(catalog: Catalog, city: City) -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.course_update(actor=city.root, code="HP-PHOTO", changes={"provider": 1})

    assert list(raised.value.fields) == ["provider"]


def test_an_online_course_with_online_classes_cannot_become_in_person(
    catalog: Catalog, city: City
) -> None:
    online = make_course(actor=city.root, provider=city.a.school, title_zh="网课", mode=Mode.ONLINE)
    opens = timezone.now()
    services.class_create(
        actor=city.root,
        course=online,
        term=catalog.term,
        weekday=1,
        starts_at=dt.time(19),
        ends_at=dt.time(20),
        first_session_on=catalog.term.starts_on,
        sessions=8,
        capacity=100,
        applications_open_at=opens,
        applications_close_at=opens + dt.timedelta(days=7),
    )

    with pytest.raises(ValidationFailed) as raised:
        services.course_update(actor=city.root, code=online.code, changes={"mode": Mode.IN_PERSON})

    assert list(raised.value.fields) == ["mode"]


# --- Resources -------------------------------------------------------------------------------


def test_resource_create_checks_scope_and_values(city: City) -> None:
    with pytest.raises(PermissionDenied):
        make_resource(actor=city.b.school_admin, provider=city.a.school)
    with pytest.raises(ValidationFailed) as raised:
        make_resource(
            actor=city.root, provider=city.a.school, kind="hologram", url="javascript:alert(1)"
        )

    assert sorted(raised.value.fields) == ["kind", "url"]
    assert not Resource.objects.exists()


def test_resource_update_reindexes(catalog: Catalog, city: City) -> None:
    services.resource_update(
        actor=city.a.officer,
        public_id=catalog.resource.public_id,
        changes={"title_en": "Phone Camera Tricks", "kind": ResourceKind.ARTICLE},
    )

    doc = SearchDocument.objects.get(resource=catalog.resource)
    assert "tricks" in doc.title_tokens.split()
    with pytest.raises(NotFound):
        services.resource_update(
            actor=city.b.officer, public_id=catalog.resource.public_id, changes={"title_zh": "x"}
        )


# --- Classes ---------------------------------------------------------------------------------


def test_class_teacher_change_is_searchable(catalog: Catalog, city: City) -> None:
    services.class_update(
        actor=city.a.school_admin,
        public_id=catalog.photo_class.public_id,
        changes={"teacher": "李建国"},
    )

    assert "李建国" in SearchDocument.objects.get(klass=catalog.photo_class).body_tokens


def test_class_create_once_returns_the_first_class_on_a_retry(catalog: Catalog, city: City) -> None:
    opens = timezone.now()
    fields = {
        "course": catalog.photo,
        "term": catalog.term,
        "site": city.a.site,
        "weekday": 3,
        "starts_at": dt.time(14),
        "ends_at": dt.time(16),
        "first_session_on": catalog.term.starts_on,
        "sessions": 10,
        "capacity": 25,
        "applications_open_at": opens,
        "applications_close_at": opens + dt.timedelta(days=10),
    }

    first = services.class_create_once(actor=city.root, idempotency_key="k-1", **fields)
    again = services.class_create_once(actor=city.root, idempotency_key="k-1", **fields)

    assert first.pk == again.pk
    assert Class.objects.filter(course=catalog.photo).count() == 2  # the fixture's and this


# --- Bulk loads ------------------------------------------------------------------------------


def _rows(catalog: Catalog, city: City) -> tuple[list[CourseRow], list[ClassRow]]:
    opens = timezone.now()
    courses = [
        CourseRow(
            code=f"BULK-{i}",
            provider_code="310104-CS",
            title_zh=f"沪语{i}班",
            title_en=f"Shanghainese {i}",
            category=Category.LANGUAGES,
            hours=Decimal("24"),
        )
        for i in range(3)
    ]
    classes = [
        ClassRow(
            course_code=f"BULK-{i}",
            term_code=catalog.term.code,
            site_id=city.b.site.pk,
            weekday=1 + i,
            starts_at=dt.time(9),
            ends_at=dt.time(11),
            first_session_on=catalog.term.starts_on,
            sessions=12,
            capacity=30,
            applications_open_at=opens,
            applications_close_at=opens + dt.timedelta(days=14),
        )
        for i in range(3)
    ]
    return courses, classes


def test_bulk_loads_write_indexed_rows_and_one_audit_row_each(catalog: Catalog, city: City) -> None:
    courses, classes = _rows(catalog, city)
    resources = [
        ResourceRow(
            provider_code="310101-CC",
            title_zh="沪语童谣",
            kind=ResourceKind.AUDIO,
            category=Category.LANGUAGES,
            url="https://resources.example.org/audio/9",
        )
    ]

    codes = services.courses_bulk_create(actor=city.root, rows=courses)
    made = services.classes_bulk_create(actor=city.root, rows=classes)
    services.resources_bulk_create(actor=city.root, rows=resources)

    assert sorted(codes) == ["BULK-0", "BULK-1", "BULK-2"]
    assert made == 3
    assert SearchDocument.objects.filter(title_tokens__contains="沪语").count() == 7
    district = SearchDocument.objects.get(klass__course__code="BULK-0").district
    assert district is not None and district.code == "310104"
    assert AuditEntry.objects.get(action="class.bulk_create").data == {"count": 3}
    assert AuditEntry.objects.filter(action__endswith=".bulk_create").count() == 3


def test_only_the_municipal_administration_bulk_loads(catalog: Catalog, city: City) -> None:
    courses, _classes = _rows(catalog, city)

    with pytest.raises(PermissionDenied):
        services.courses_bulk_create(actor=city.b.officer, rows=courses)

    assert not Course.objects.filter(code__startswith="BULK").exists()


def test_a_bad_row_rolls_back_the_whole_bulk_load(catalog: Catalog, city: City) -> None:
    courses, classes = _rows(catalog, city)
    services.courses_bulk_create(actor=city.root, rows=courses)
    bad = [classes[0], classes[1].__class__(**{**vars(classes[1]), "capacity": 0})]

    with pytest.raises(ValidationFailed) as raised:
        services.classes_bulk_create(actor=city.root, rows=bad)

    assert raised.value.extra == {"row": 1}
    assert not Class.objects.filter(course__code__startswith="BULK").exists()


def test_search_reindex_is_audited(catalog: Catalog, city: City) -> None:
    count = services.search_reindex(actor=city.root)

    assert count == SearchDocument.objects.count() == 8
    assert AuditEntry.objects.get(action="search.reindex").data == {"count": 8}
