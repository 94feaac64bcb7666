"""Search of the catalog, in Chinese and English, with filters and facets. Runs on SQLite
(FTS5) and on PostgreSQL (tsvector) alike: `scripts/with-postgres.sh pytest ...`."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learningcity.catalog import search, selectors, services
from learningcity.catalog.choices import ClassStatus, DocumentKind
from learningcity.catalog.data import SearchFilters
from learningcity.catalog.models import SearchDocument
from learningcity.catalog.tests.factories import Catalog, make_class, make_course, make_term
from learningcity.core.errors import ValidationFailed
from learningcity.network import services as network_services
from learningcity.network.choices import OrganizationStatus
from learningcity.network.tests.factories import City, make_site

pytestmark = pytest.mark.django_db


def where(doc: SearchDocument) -> tuple[str, str, str, str]:
    """What a result shows of a class: site, provider, district, term (all loaded already)."""
    klass = doc.klass
    assert klass is not None and klass.site is not None and doc.district is not None
    return (klass.site.name, doc.provider.name, doc.district.name, klass.term.name)


def found(**filters: Any) -> list[tuple[str, str]]:
    """(kind, Chinese title) of each result, in order."""
    documents = selectors.catalog_search(filters=SearchFilters(**filters)).documents
    return [(d.kind, title_of(d)) for d in documents]


def title_of(doc: SearchDocument) -> str:
    if doc.resource is not None:
        return doc.resource.title_zh
    assert doc.course is not None
    return doc.course.title_zh


def titles(**filters: Any) -> set[str]:
    return {title for _kind, title in found(**filters)}


def facet(name: str, **filters: Any) -> dict[str, int]:
    facets = selectors.catalog_search(filters=SearchFilters(**filters)).facets
    return {f.value: f.count for f in facets[name] if f.count}


# --- Words ------------------------------------------------------------------------------------


def test_chinese_word_finds_both_photography_courses_and_their_classes(catalog: Catalog) -> None:
    results = found(q="摄影")

    assert ("course", "摄影入门") in results
    assert ("class", "摄影入门") in results
    assert ("course", "数码摄影") in results
    assert ("class", "数码摄影") in results
    assert "智能手机使用" not in {title for _kind, title in results}


def test_english_prefix_finds_the_same_courses_through_their_english_titles(
    catalog: Catalog,
) -> None:
    assert {"摄影入门", "数码摄影"} <= titles(q="photo")
    assert titles(q="photo") == titles(q="PHOTOGRAPH") | {"手机拍照技巧"}


def test_smartphone_in_either_language_finds_the_smartphone_course(catalog: Catalog) -> None:
    assert titles(q="smartphone") == {"智能手机使用"}
    assert "智能手机使用" in titles(q="手机")
    assert "智能手机使用" in titles(q="智能手机")


def test_every_word_of_a_query_must_match(catalog: Catalog) -> None:
    assert titles(q="digital photography") == {"数码摄影"}
    assert titles(q="数码 摄影") == {"数码摄影"}
    assert titles(q="数码摄影") == {"数码摄影"}


def test_full_width_letters_and_stop_words_do_not_get_in_the_way(catalog: Catalog) -> None:
    assert titles(q="ＳＭＡＲＴＰＨＯＮＥ") == {"智能手机使用"}
    assert "数码摄影" in titles(q="photography for the digital")


def test_a_class_is_found_by_its_teacher_and_its_place(catalog: Catalog) -> None:
    assert titles(q="王秀英") == {"智能手机使用"}
    assert ("class", "摄影入门") in found(q="黄浦区 摄影")
    assert ("class", "数码摄影") not in found(q="黄浦区 摄影")


def test_short_english_words_match_whole_not_as_prefixes() -> None:
    assert search.parse_query("AI aid photo") == [
        search.QueryTerm("ai"),
        search.QueryTerm("aid", prefix=True),
        search.QueryTerm("photo", prefix=True),
    ]


def test_a_chinese_compound_also_matches_its_parts() -> None:
    (term,) = search.parse_query("智能手机")

    assert term.word == "智能手机"
    assert set(term.parts) >= {"智能", "手机"}


def test_a_title_match_ranks_above_a_description_match(catalog: Catalog) -> None:
    courses = [title for kind, title in found(q="摄影", kind="course")]

    assert courses[-1] == "风景写生"
    assert set(courses[:2]) == {"摄影入门", "数码摄影"}


NASTY_QUERIES = [
    '"摄影',
    "摄影*",
    "photo AND",
    "NEAR(photo digital)",
    "photo NOT digital",
    "(((",
    "-photo",
    "photo:*",
    "'; DROP TABLE catalog_course; --",
    "title_tokens:摄影",
    "^photo",
    "photo & | !",
    "\\",
    "",
    "   ",
    "***",
    "a" * 500,
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_operators_and_punctuation_never_break_a_search(catalog: Catalog, query: str) -> None:
    result = selectors.catalog_search(filters=SearchFilters(q=query))

    assert result.documents.count() >= 0
    list(result.documents[:5])


def test_operator_words_are_searched_as_plain_words(catalog: Catalog) -> None:
    assert titles(q='"photo" AND (digital)') == {"数码摄影"}
    assert titles(q="摄影*") == titles(q="摄影")


def test_a_query_of_punctuation_only_finds_nothing(catalog: Catalog) -> None:
    assert found(q="*** ??? ---") == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_any_text_is_a_valid_search(catalog: Catalog, query: str) -> None:
    for term in search.parse_query(query):
        assert search._WORD.fullmatch(term.word)
    list(selectors.catalog_search(filters=SearchFilters(q=query)).documents[:3])


# --- Filters ----------------------------------------------------------------------------------


def test_district_filter_keeps_classes_at_sites_in_its_subtree(catalog: Catalog) -> None:
    assert found(district="310101") == [("class", "摄影入门")]
    assert titles(district="310104") == {"数码摄影", "智能手机使用"}
    assert found(district="999999") == []


def test_town_filter(catalog: Catalog, city: City) -> None:
    assert titles(town=city.b.town.code) == {"数码摄影", "智能手机使用"}


def test_near_a_site_means_its_town_or_within_the_distance(catalog: Catalog, city: City) -> None:
    here = make_site(
        actor=city.root,
        organization=city.a.school,
        area=city.a.neighbourhood,
        latitude=Decimal("31.230000"),
        longitude=Decimal("121.470000"),
    )
    # 0.018° of latitude is 2.0 km; 0.035° of longitude at 31.23° N is 3.3 km.
    two_km = make_site(
        actor=city.root,
        organization=city.b.school,
        area=city.b.neighbourhood,
        latitude=Decimal("31.248000"),
        longitude=Decimal("121.470000"),
    )
    three_km = make_site(
        actor=city.root,
        organization=city.b.school,
        area=city.b.neighbourhood,
        latitude=Decimal("31.230000"),
        longitude=Decimal("121.505000"),
    )
    for site, title in ((two_km, "两公里"), (three_km, "三公里")):
        course = make_course(actor=city.root, provider=city.b.school, title_zh=title)
        make_class(actor=city.root, course=course, term=catalog.term, site=site)

    near = str(here.public_id)

    assert titles(near=near, within_km=1) == {"摄影入门"}  # the same town only
    assert titles(near=near, within_km=2) == {"摄影入门"}  # 2.0 km is just beyond 2
    assert titles(near=near, within_km=3) == {"摄影入门", "两公里"}
    assert titles(near=near, within_km=5) == {"摄影入门", "两公里", "三公里"}


def test_near_an_unknown_site_is_a_field_error(catalog: Catalog) -> None:
    with pytest.raises(ValidationFailed) as raised:
        selectors.catalog_search(filters=SearchFilters(near="not-a-uuid"))

    assert list(raised.value.fields) == ["near"]


def test_category_mode_and_audience_filters(catalog: Catalog) -> None:
    assert titles(category="digital") == {"智能手机使用"}
    assert found(mode="blended") == [("class", "数码摄影"), ("course", "数码摄影")]
    assert titles(audience="aged") == {"智能手机使用"}
    assert found(mode="online") == [("resource", "手机拍照技巧")]


def test_weekday_and_time_of_day_filters(catalog: Catalog) -> None:
    assert found(weekday=2) == [("class", "摄影入门")]
    assert found(time_of_day="morning") == [("class", "摄影入门")]
    assert found(time_of_day="afternoon") == [("class", "智能手机使用")]
    assert found(time_of_day="evening") == [("class", "数码摄影")]


def test_fee_filter(catalog: Catalog) -> None:
    assert titles(fee="paid") == {"数码摄影"}
    assert "数码摄影" not in titles(fee="free")
    assert ("resource", "手机拍照技巧") in found(fee="free")


def test_step_free_and_seats_left_filters(catalog: Catalog, city: City) -> None:
    stairs = make_site(actor=city.root, organization=city.a.school, step_free=False)
    course = make_course(actor=city.root, provider=city.a.school, title_zh="楼上书法")
    make_class(actor=city.root, course=course, term=catalog.term, site=stairs, capacity=1)
    services.class_seat_take(class_id=catalog.phone_class.pk)
    assert services.class_seats_take(class_id=course.classes.get().pk, count=1)

    assert "楼上书法" not in titles(step_free=True)
    assert "摄影入门" in titles(step_free=True)
    assert "楼上书法" not in titles(seats_left=True)
    assert "智能手机使用" in titles(seats_left=True)


def test_term_and_kind_filters(catalog: Catalog, city: City) -> None:
    autumn = make_class(
        actor=city.root,
        course=catalog.photo,
        term=make_term(actor=city.root, code="2027-autumn", starts_on=dt.date(2027, 9, 1)),
        site=city.a.site,
    )

    results = found(term="2027-autumn")

    assert results == [("class", "摄影入门")]
    assert autumn.term.code == "2027-autumn"
    assert {kind for kind, _title in found(kind="resource")} == {"resource"}


# --- What residents never find ---------------------------------------------------------------


def test_withdrawn_cancelled_closed_and_past_are_not_found(catalog: Catalog, city: City) -> None:
    services.course_update(actor=city.root, code="HP-SKETCH", changes={"is_active": False})
    services.class_update(
        actor=city.root,
        public_id=catalog.phone_class.public_id,
        changes={"status": ClassStatus.CANCELLED},
    )
    network_services.organization_update(
        actor=city.root, code="310104-CS", changes={"status": OrganizationStatus.CLOSED}
    )

    assert found(q="风景") == []
    assert titles() == {"摄影入门", "手机拍照技巧"}


def test_classes_of_a_term_that_has_ended_are_not_found(catalog: Catalog, city: City) -> None:
    past = make_term(actor=city.root, code="2020-spring", starts_on=dt.date(2020, 3, 1))
    make_class(actor=city.root, course=catalog.sketch, term=past, site=city.a.site)

    assert ("class", "风景写生") not in found(q="风景")
    assert ("course", "风景写生") in found(q="风景")


# --- Facets and order -------------------------------------------------------------------------


def test_facets_count_the_results_by_kind_category_district_mode_and_weekday(
    catalog: Catalog,
) -> None:
    assert facet("kind") == {"class": 3, "course": 4, "resource": 1}
    assert facet("category") == {"culture_arts": 6, "digital": 2}
    assert facet("district") == {"310101": 1, "310104": 2}
    assert facet("mode") == {"in_person": 5, "blended": 2, "online": 1}
    assert facet("weekday") == {"2": 1, "4": 1, "6": 1}


def test_each_facet_counts_under_every_other_filter_but_its_own(catalog: Catalog) -> None:
    assert facet("district", q="摄影", district="310101") == {"310101": 1, "310104": 1}
    assert facet("weekday", q="摄影", district="310101") == {"2": 1}
    assert facet("kind", q="摄影", district="310101") == {"class": 1}


def test_without_a_query_classes_come_first_in_weekly_order(catalog: Catalog) -> None:
    results = found()

    assert results[:3] == [("class", "摄影入门"), ("class", "数码摄影"), ("class", "智能手机使用")]
    assert [kind for kind, _title in results[3:]] == ["course"] * 4 + ["resource"]


def test_search_runs_a_bounded_number_of_queries(
    catalog: Catalog, city: City, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        course = make_course(actor=city.root, provider=city.b.school, title_zh=f"摄影{i}班")
        make_class(actor=city.root, course=course, term=catalog.term, site=city.b.site)
    filters = SearchFilters(
        q="摄影", district="310104", town=city.b.town.code, near=str(city.b.site.public_id)
    )

    with django_assert_max_num_queries(11):
        result = selectors.catalog_search(filters=filters)
        page = list(result.documents[:20])
        total = result.documents.count()
        rows = [where(d) for d in page]

    assert total == 16
    assert len(rows) == 16


# --- Keeping the index in step ---------------------------------------------------------------


def test_a_changed_course_title_is_found_by_its_new_words_only(
    catalog: Catalog, city: City
) -> None:
    services.course_update(
        actor=city.a.school_admin,
        code="HP-PHOTO",
        changes={"title_zh": "人像摄影", "title_en": "Portrait Photography"},
    )

    assert ("class", "人像摄影") in found(q="portrait")
    assert found(q="introduction") == []


def test_reindex_rebuilds_the_same_documents(catalog: Catalog) -> None:
    before = set(SearchDocument.objects.values_list("kind", "title_tokens", "body_tokens"))
    SearchDocument.objects.all().delete()
    assert found(q="摄影") == []

    call_command("search-reindex", stdout=io.StringIO())

    after = set(SearchDocument.objects.values_list("kind", "title_tokens", "body_tokens"))
    assert after == before
    assert ("class", "摄影入门") in found(q="摄影")
    assert SearchDocument.objects.filter(kind=DocumentKind.CLASS).count() == 3
