"""The catalog's JSON API: public search and reads, scoped writes, the error shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.catalog.models import Class, Course
from learningcity.catalog.tests.factories import Catalog, make_class, make_course
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    token = api_token_create(actor=None, user=user, name="test").plaintext
    return {"Authorization": f"Bearer {token}"}


def post(client: Client, path: str, body: dict[str, Any], user: Any, **headers: str) -> Any:
    return client.post(
        path, body, content_type="application/json", headers={**bearer(user), **headers}
    )


def patch(client: Client, path: str, body: dict[str, Any], user: Any) -> Any:
    return client.patch(path, body, content_type="application/json", headers=bearer(user))


# --- Search ----------------------------------------------------------------------------------


def test_search_returns_items_of_each_kind_and_facets(catalog: Catalog, client: Client) -> None:
    response = client.get("/api/v1/search", {"q": "摄影"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    kinds = {(item["kind"], item["title_zh"]) for item in body["items"]}
    assert ("class", "摄影入门") in kinds
    assert ("course", "数码摄影") in kinds
    photo_class = next(i for i in body["items"] if i["id"] == str(catalog.photo_class.public_id))
    assert photo_class["weekday"] == 2
    assert photo_class["starts_at"] == "09:00:00"
    assert photo_class["seats_left"] == 30
    assert photo_class["district_code"] == "310101"
    assert {f["value"]: f["count"] for f in body["facets"]["kind"]} == {
        "class": 2,
        "course": 3,
        "resource": 0,
    }


def test_search_filters_and_pages(catalog: Catalog, client: Client) -> None:
    first = client.get("/api/v1/search?district=310104&limit=1").json()
    second = client.get("/api/v1/search?district=310104&limit=1&offset=1").json()

    assert first["count"] == 2
    assert [first["items"][0]["title_zh"], second["items"][0]["title_zh"]] == [
        "数码摄影",
        "智能手机使用",
    ]


def test_search_resource_items_carry_their_link(catalog: Catalog, client: Client) -> None:
    body = client.get("/api/v1/search", {"kind": "resource"}).json()

    assert [i["url"] for i in body["items"]] == ["https://resources.example.org/video/1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"weekday": 8}, "weekday"),
        ({"time_of_day": "midnight"}, "time_of_day"),
        ({"near": "not-a-uuid"}, "near"),
        ({"limit": 1000}, "limit"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_search_bad_parameters_are_field_errors(
    catalog: Catalog, client: Client, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/search", params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_search_near_an_unknown_site_is_a_400_field_error(catalog: Catalog, client: Client) -> None:
    response = client.get("/api/v1/search", {"near": "00000000-0000-0000-0000-000000000000"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["near"]


def test_search_runs_a_bounded_number_of_queries(
    catalog: Catalog, city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        course = make_course(actor=city.root, provider=city.b.school, title_zh=f"摄影{i}")
        make_class(actor=city.root, course=course, term=catalog.term, site=city.b.site)

    with django_assert_max_num_queries(9):
        body = client.get("/api/v1/search", {"q": "摄影", "district": "310104"}).json()

    assert body["count"] == 26
    assert len(body["items"]) == 20


# --- Public reads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/terms", "/api/v1/courses", "/api/v1/classes", "/api/v1/resources"]
)
def test_lists_run_a_bounded_number_of_queries(
    catalog: Catalog,
    city: City,
    client: Client,
    django_assert_max_num_queries: Any,
    path: str,
) -> None:
    for i in range(10):
        course = make_course(actor=city.root, provider=city.b.school, title_zh=f"课{i}")
        make_class(actor=city.root, course=course, term=catalog.term, site=city.b.site)

    with django_assert_max_num_queries(3):
        response = client.get(path)

    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_course_list_filters_and_detail(catalog: Catalog, client: Client) -> None:
    listed = client.get("/api/v1/courses", {"category": "digital"}).json()
    detail = client.get("/api/v1/courses/HP-PHOTO").json()

    assert [c["code"] for c in listed["items"]] == ["XH-PHONE"]
    assert detail["provider_code"] == "310101-CS"
    assert detail["title_en"] == "Introduction to Photography"
    assert client.get("/api/v1/courses/NOPE").json()["code"] == "course_not_found"


def test_class_detail_shows_seats_window_and_rationing(catalog: Catalog, client: Client) -> None:
    response = client.get(f"/api/v1/classes/{catalog.phone_class.public_id}")

    body = response.json()
    assert response.status_code == 200
    assert (body["capacity"], body["seats_left"], body["group_quota"]) == (20, 20, 4)
    assert (body["window"], body["rationing"]) == ("open", "lottery")
    assert body["term"] == "2027-spring"
    assert "online_url" not in body


def test_class_list_filters_by_term_course_and_area(catalog: Catalog, client: Client) -> None:
    by_course = client.get("/api/v1/classes", {"course": "XH-PHONE"}).json()
    by_area = client.get("/api/v1/classes", {"area": "310101", "term": "2027-spring"}).json()

    assert [c["id"] for c in by_course["items"]] == [str(catalog.phone_class.public_id)]
    assert [c["course_code"] for c in by_area["items"]] == ["HP-PHOTO"]


def test_draft_classes_are_not_public_but_their_staff_see_them(
    catalog: Catalog, city: City, client: Client
) -> None:
    Class.objects.filter(pk=catalog.photo_class.pk).update(status="draft")
    path = f"/api/v1/classes/{catalog.photo_class.public_id}"

    assert client.get(path).status_code == 404
    mine = client.get("/api/v1/classes?mine=true", headers=bearer(city.a.school_admin)).json()
    assert [c["status"] for c in mine["items"]] == ["draft"]
    other = client.get("/api/v1/classes?mine=true", headers=bearer(city.b.officer)).json()
    assert str(catalog.photo_class.public_id) not in {c["id"] for c in other["items"]}


def test_mine_lists_only_the_callers_courses(catalog: Catalog, city: City, client: Client) -> None:
    mine = client.get("/api/v1/courses?mine=true", headers=bearer(city.b.officer)).json()

    assert {c["code"] for c in mine["items"]} == {"XH-DIGIPHOTO", "XH-PHONE"}
    assert client.get("/api/v1/courses?mine=true").json()["count"] == 0


# --- Writes ----------------------------------------------------------------------------------

COURSE = {
    "provider": "310101-CS",
    "code": "HP-CALLI",
    "title_zh": "书法",
    "title_en": "Calligraphy",
    "category": "culture_arts",
    "hours": "24",
}


def test_school_admin_publishes_a_course(city: City, client: Client) -> None:
    response = post(client, "/api/v1/courses", COURSE, city.a.school_admin)

    assert response.status_code == 201
    assert response.json()["code"] == "HP-CALLI"
    assert AuditEntry.objects.filter(action="course.create").count() == 1
    assert client.get("/api/v1/search", {"q": "calligraphy"}).json()["count"] == 1


def test_another_districts_staff_cannot_publish_for_a_provider(city: City, client: Client) -> None:
    response = post(client, "/api/v1/courses", COURSE, city.b.officer)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Course.objects.filter(code="HP-CALLI").exists()


def test_course_post_errors_have_the_error_shape(city: City, client: Client) -> None:
    response = post(client, "/api/v1/courses", {**COURSE, "hours": "0", "category": "x"}, city.root)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert sorted(body["fields"]) == ["category", "hours"]


def test_course_code_taken_is_a_conflict(catalog: Catalog, city: City, client: Client) -> None:
    response = post(client, "/api/v1/courses", {**COURSE, "code": "HP-PHOTO"}, city.root)

    assert response.status_code == 409
    assert response.json()["code"] == "code_taken"


def test_writes_need_authentication(catalog: Catalog, client: Client) -> None:
    response = client.post("/api/v1/courses", COURSE, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_patch_course_in_scope_and_out_of_scope(
    catalog: Catalog, city: City, client: Client
) -> None:
    ok = patch(client, "/api/v1/courses/XH-PHONE", {"fee": "20.00"}, city.b.school_admin)
    refused = patch(client, "/api/v1/courses/XH-PHONE", {"fee": "99.00"}, city.a.officer)
    emptied = patch(client, "/api/v1/courses/XH-PHONE", {"is_active": None}, city.root)

    assert ok.status_code == 200
    assert ok.json()["fee"] == "20.00"
    assert refused.status_code == 404
    assert emptied.status_code == 400
    assert list(emptied.json()["fields"]) == ["is_active"]
    assert str(Course.objects.get(code="XH-PHONE").fee) == "20.00"


def _class_body(**changes: Any) -> dict[str, Any]:
    body = {
        "course": "HP-PHOTO",
        "term": "2027-spring",
        "weekday": 5,
        "starts_at": "14:00",
        "ends_at": "16:00",
        "first_session_on": "",
        "sessions": 12,
        "capacity": 25,
        "applications_open_at": "2026-01-01T09:00:00",
        "applications_close_at": "2030-01-01T09:00:00",
        "teacher": "陈老师",
    }
    body.update(changes)
    return body


def test_school_admin_schedules_a_class_once_per_idempotency_key(
    catalog: Catalog, city: City, client: Client
) -> None:
    body = _class_body(
        site=str(city.a.site.public_id), first_session_on=str(catalog.term.starts_on)
    )

    first = post(client, "/api/v1/classes", body, city.a.school_admin, **{"Idempotency-Key": "a"})
    retry = post(client, "/api/v1/classes", body, city.a.school_admin, **{"Idempotency-Key": "a"})

    assert first.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert first.json()["applications_open_at"] == "2026-01-01T01:00:00Z"  # read as Shanghai
    assert Class.objects.filter(course=catalog.photo).count() == 2


def test_another_districts_staff_cannot_schedule_or_change_a_class(
    catalog: Catalog, city: City, client: Client
) -> None:
    body = _class_body(
        site=str(city.a.site.public_id), first_session_on=str(catalog.term.starts_on)
    )

    created = post(client, "/api/v1/classes", body, city.b.officer)
    changed = patch(
        client,
        f"/api/v1/classes/{catalog.photo_class.public_id}",
        {"capacity": 5},
        city.b.school_admin,
    )

    assert created.status_code == 404
    assert changed.status_code == 404
    assert Class.objects.filter(course=catalog.photo).count() == 1
    assert Class.objects.get(pk=catalog.photo_class.pk).capacity == 30


def test_class_post_errors_name_their_fields(catalog: Catalog, city: City, client: Client) -> None:
    body = _class_body(first_session_on="2020-01-01", term="nope")
    no_term = post(client, "/api/v1/classes", body, city.root)
    body = _class_body(first_session_on="2020-01-01")
    outside = post(client, "/api/v1/classes", body, city.root)

    assert no_term.status_code == 400
    assert list(no_term.json()["fields"]) == ["term"]
    assert outside.status_code == 400
    assert sorted(outside.json()["fields"]) == ["first_session_on", "site"]


def test_patch_class_goes_through_class_update(
    catalog: Catalog, city: City, client: Client
) -> None:
    path = f"/api/v1/classes/{catalog.photo_class.public_id}"

    ok = patch(client, path, {"capacity": 40, "teacher": "张老师"}, city.a.school_admin)
    bad = patch(client, path, {"group_quota": 50}, city.a.school_admin)

    assert ok.status_code == 200
    assert (ok.json()["capacity"], ok.json()["teacher"]) == (40, "张老师")
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["group_quota"]
    assert AuditEntry.objects.filter(action="class.update").count() == 1


def test_resources_list_filters(catalog: Catalog, client: Client) -> None:
    assert client.get("/api/v1/resources", {"kind": "video"}).json()["count"] == 1
    assert client.get("/api/v1/resources", {"category": "law_civics"}).json()["count"] == 0
    assert (
        client.get("/api/v1/classes", {"term": "2027-spring", "provider": "310104-CS"}).json()[
            "count"
        ]
        == 2
    )


def test_terms_are_listed_newest_first(catalog: Catalog, city: City, client: Client) -> None:
    from learningcity.catalog.tests.factories import make_term

    make_term(actor=city.root, code="2027-autumn", starts_on=dt.date(2027, 9, 1))

    codes = [t["code"] for t in client.get("/api/v1/terms").json()["items"]]

    assert codes[0] == "2027-autumn"
