"""The catalog's pages: search with filters and counts, a class, a course; the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learningcity.catalog.models import Class, Course
from learningcity.catalog.tests.factories import Catalog, make_class, make_course
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

SEARCH = reverse("catalog:search")


def result_titles(response: Any) -> list[str]:
    return [
        d.resource.title if d.resource else d.course.title
        for d in response.context["page"].object_list
    ]


def test_search_page_finds_photography_in_chinese(client: Client, catalog: Catalog) -> None:
    response = client.get(SEARCH, {"q": "摄影"})

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-Hans"' in content
    assert "摄影入门" in content
    assert set(result_titles(response)) == {"摄影入门", "数码摄影", "风景写生"}


def test_search_page_in_english_shows_time_seats_and_fee_in_words(
    client: Client, catalog: Catalog
) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(SEARCH, {"q": "photo", "district": "310104"})

    content = response.content.decode()
    assert result_titles(response) == ["Digital Photography"]
    assert "Thursdays, 19:00–21:00" in content
    assert "30 seats left of 30" in content
    assert "¥300.00" in content
    assert "1 result found." in content


def test_filter_options_show_how_many_results_each_gives(client: Client, catalog: Catalog) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(SEARCH, {"q": "摄影"})

    form = response.context["form"]
    assert dict(form.fields["district"].choices)["310101"] == "Huangpu (1)"
    assert dict(form.fields["weekday"].choices)["4"] == "Thursday (1)"
    assert dict(form.fields["kind"].choices)["course"] == "Course (3)"
    content = response.content.decode()
    assert '<label for="id_district">District</label>' in content


def test_town_choices_appear_once_a_district_is_chosen(
    client: Client, catalog: Catalog, city: City
) -> None:
    without = client.get(SEARCH)
    with_district = client.get(SEARCH, {"district": "310104"})
    stale_town = client.get(SEARCH, {"district": "310104", "town": city.a.town.code})

    assert 'name="town"' not in without.content.decode()
    assert list(with_district.context["form"].fields["town"].choices)[1:] == [
        (city.b.town.code, city.b.town.name)
    ]
    assert stale_town.status_code == 200
    assert set(result_titles(stale_town)) == {"数码摄影", "智能手机使用"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"weekday": "9"}, "weekday"),
        ({"district": "nowhere"}, "district"),
        ({"near": "not-a-uuid"}, "near"),
        ({"near": "00000000-0000-0000-0000-000000000000"}, "near"),
        ({"kind": "<script>"}, "kind"),
        ({"q": "x" * 300}, "q"),
    ],
)
def test_bad_filters_are_form_errors_not_server_errors(
    client: Client, catalog: Catalog, params: dict[str, str], field: str
) -> None:
    response = client.get(SEARCH, params)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "error-summary" in response.content.decode()


def test_search_page_near_a_site_names_it(client: Client, catalog: Catalog, city: City) -> None:
    response = client.get(SEARCH, {"near": str(city.b.site.public_id), "kind": "class"})

    assert response.status_code == 200
    assert "徐汇区一居委学习点" in response.content.decode()
    assert set(result_titles(response)) == {"数码摄影", "智能手机使用"}


def test_search_page_runs_a_bounded_number_of_queries(
    client: Client, catalog: Catalog, city: City, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        course = make_course(actor=city.root, provider=city.b.school, title_zh=f"摄影{i}")
        make_class(actor=city.root, course=course, term=catalog.term, site=city.b.site)

    with django_assert_max_num_queries(12):
        response = client.get(SEARCH, {"q": "摄影", "district": "310104"})

    assert len(response.context["page"].object_list) == 20


def test_class_page_tells_a_resident_what_they_need_to_decide(
    client: Client, catalog: Catalog
) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(reverse("catalog:class", args=[catalog.phone_class.public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Smartphone Skills</h1>" in content
    assert "WeChat, paying and hospital bookings." in content
    assert "Saturdays, 14:00–16:00" in content
    assert "20 seats left of 20" in content
    assert "Open now, until" in content
    assert "a fair lottery after applications close" in content
    assert "4 seats are kept first for residents in target groups" in content
    assert "Step-free access: yes" in content
    assert reverse("network:site", args=[catalog.phone_class.site.public_id]) in content  # type: ignore[union-attr]
    assert "王秀英" in content


def test_class_page_explains_first_come_rationing(client: Client, catalog: Catalog) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(reverse("catalog:class", args=[catalog.digital_class.public_id]))

    assert "First come, first served" in response.content.decode()


def test_class_page_offers_the_apply_link_when_enrollment_provides_one(
    client: Client, catalog: Catalog
) -> None:
    response = client.get(reverse("catalog:class", args=[catalog.photo_class.public_id]))

    apply_url = response.context["apply_url"]
    if apply_url is not None:
        assert apply_url in response.content.decode()


def test_unknown_or_draft_class_is_404(client: Client, catalog: Catalog) -> None:
    Class.objects.filter(pk=catalog.photo_class.pk).update(status="draft")

    missing = client.get(reverse("catalog:class", args=["00000000-0000-0000-0000-000000000000"]))
    draft = client.get(reverse("catalog:class", args=[catalog.photo_class.public_id]))

    assert (missing.status_code, draft.status_code) == (404, 404)


def test_course_page_lists_its_current_classes(client: Client, catalog: Catalog) -> None:
    response = client.get(reverse("catalog:course", args=["XH-PHONE"]))

    assert response.status_code == 200
    assert response.context["classes"] == [catalog.phone_class]
    assert client.get(reverse("catalog:course", args=["NOPE"])).status_code == 404


def test_nav_links_to_the_catalog(client: Client, catalog: Catalog) -> None:
    content = client.get("/").content.decode()

    assert f'href="{SEARCH}"' in content


# --- Admin -----------------------------------------------------------------------------------


def test_admin_lists_only_the_viewers_courses(client: Client, catalog: Catalog, city: City) -> None:
    client.force_login(city.b.officer)

    response = client.get("/admin/catalog/course/")

    assert {c.code for c in response.context["cl"].result_list} == {"XH-DIGIPHOTO", "XH-PHONE"}


def test_admin_saves_a_course_through_the_service(
    client: Client, catalog: Catalog, city: City
) -> None:
    course = catalog.phone
    client.force_login(city.b.school_admin)
    form = {
        "title_zh": "智能手机入门",
        "title_en": course.title_en,
        "description_zh": course.description_zh,
        "description_en": course.description_en,
        "category": course.category,
        "mode": course.mode,
        "hours": "16",
        "level": course.level,
        "fee": "0",
        "audience": course.audience,
        "is_active": "on",
    }

    response = client.post(f"/admin/catalog/course/{course.pk}/change/", form)

    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).title_zh == "智能手机入门"
    assert AuditEntry.objects.get(action="course.update").actor_id == city.b.school_admin.pk


def test_admin_shows_a_service_refusal_and_saves_nothing(
    client: Client, catalog: Catalog, city: City
) -> None:
    klass = catalog.phone_class
    Class.objects.filter(pk=klass.pk).update(seats_taken=10)
    client.force_login(city.b.school_admin)
    client.cookies["lc_language"] = "en"
    form = {
        "teacher": klass.teacher,
        "online_url": "",
        "status": klass.status,
        "capacity": 5,
        "applications_open_at_0": klass.applications_open_at.strftime("%Y-%m-%d"),
        "applications_open_at_1": klass.applications_open_at.strftime("%H:%M:%S"),
        "applications_close_at_0": klass.applications_close_at.strftime("%Y-%m-%d"),
        "applications_close_at_1": klass.applications_close_at.strftime("%H:%M:%S"),
        "group_quota": 0,
        "completion_min_attendance": 80,
    }

    response = client.post(f"/admin/catalog/class/{klass.pk}/change/", form, follow=True)

    assert response.status_code == 200
    assert Class.objects.get(pk=klass.pk).capacity == 20
    assert "Fewer seats than are already taken." in response.content.decode()


def test_another_districts_class_cannot_be_changed_in_the_admin(
    client: Client, catalog: Catalog, city: City
) -> None:
    client.force_login(city.b.officer)

    response = client.post(
        f"/admin/catalog/class/{catalog.photo_class.pk}/change/", {"capacity": 1}
    )

    assert response.status_code == 302
    assert Class.objects.get(pk=catalog.photo_class.pk).capacity == 30
