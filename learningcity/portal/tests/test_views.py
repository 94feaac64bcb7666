from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learningcity.core.context_processors import TEXT_SIZE_COOKIE
from learningcity.learners.services import learner_register
from learningcity.network.tests.factories import City, make_site
from learningcity.portal.views import bar_chart

pytestmark = pytest.mark.django_db


def register_resident(city: City, area_code: str) -> None:
    learner_register(
        actor=city.root,
        name="王阿姨",
        birth_date=dt.date(1955, 3, 1),
        gender="female",
        residence_area_code=area_code,
        household="local",
    )


def test_home_shows_the_city_in_chinese_by_default(client: Client, city: City) -> None:
    # Given the miniature city
    # When a visitor with no language preference opens the home page
    response = client.get(reverse("portal:home"))

    # Then it is in Simplified Chinese and names the city and its districts
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-Hans"' in content
    assert "上海市" in content
    assert "黄浦区" in content
    assert "徐汇区" in content


def test_home_is_in_english_with_the_language_cookie(client: Client, city: City) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(reverse("portal:home"))

    content = response.content.decode()
    assert '<html lang="en"' in content
    assert "Huangpu" in content
    assert "Shanghai: the learning city at a glance" in content


def test_home_is_in_english_with_accept_language(client: Client, city: City) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="en"' in response.content.decode()


def test_home_counts_districts_sites_and_residents(client: Client, city: City) -> None:
    # Given a second, not step-free site in Huangpu and two residents there, one in Xuhui
    make_site(actor=city.root, organization=city.a.school, step_free=False)
    register_resident(city, city.a.neighbourhood.code)
    register_resident(city, city.a.neighbourhood.code)
    register_resident(city, city.b.neighbourhood.code)

    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    context = response.context
    assert context["district_total"] == 2
    assert context["town_total"] == 2
    assert context["site_total"] == 3
    assert context["step_free_total"] == 2
    assert context["learner_total"] == 3
    rows = {
        row.code: (row.name, row.organizations, row.sites, row.learners)
        for row in context["districts"]
    }
    assert rows == {"310101": ("Huangpu", 4, 2, 2), "310104": ("Xuhui", 4, 1, 1)}


def test_home_counts_organizations_by_provider_system(client: Client, city: City) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    counts = {item.system: item.count for item in response.context["systems"]}
    # the commission, two district offices and two town offices govern; colleges and
    # schools are community education
    assert counts == {
        "governance": 5,
        "adult_education": 0,
        "non_public": 0,
        "workplace": 0,
        "community": 4,
    }


def test_home_draws_an_accessible_bar_chart_per_district(client: Client, city: City) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in content
    assert '<title id="chart-title">Bar chart: learning sites per district</title>' in content
    assert '<desc id="chart-desc">Huangpu: 1; Xuhui: 1</desc>' in content
    assert content.count('<rect class="bar"') == 2
    assert "Number of learning sites" in content


def test_home_has_a_district_table_as_the_charts_text_alternative(
    client: Client, city: City
) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert '<th scope="col" class="num">Learning sites</th>' in content
    assert '<th scope="row"><a href="/network/?district=310101">Huangpu</a></th>' in content


def test_home_runs_a_bounded_number_of_queries(
    client: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    # Given many more sites, so the count cannot depend on the data
    for _ in range(5):
        make_site(actor=city.root, organization=city.b.school)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("portal:home"))

    assert response.status_code == 200


def test_home_refuses_post(client: Client, city: City) -> None:
    response = client.post(reverse("portal:home"))

    assert response.status_code == 405


def test_bar_chart_scales_the_longest_bar_to_a_round_axis_maximum() -> None:
    chart = bar_chart([("A", 30), ("B", 15)])

    plot_width = chart.plot_right - chart.plot_left
    assert [tick.value for tick in chart.ticks] == [0, 10, 20, 30]
    assert chart.bars[0].width == pytest.approx(plot_width)
    assert chart.bars[1].width == pytest.approx(plot_width / 2)


def test_bar_chart_rounds_the_axis_up_past_the_longest_bar() -> None:
    chart = bar_chart([("A", 239), ("B", 41)])

    assert [tick.value for tick in chart.ticks] == [0, 100, 200, 300]


def test_bar_chart_of_nothing_still_has_an_axis() -> None:
    chart = bar_chart([("A", 0)])

    assert [tick.value for tick in chart.ticks] == [0, 1]
    assert chart.bars[0].width == 0


def test_bar_chart_draws_larger_lettering_for_large_text() -> None:
    normal = bar_chart([("A", 1)])
    large = bar_chart([("A", 1)], large_text=True)

    assert large.text_size > normal.text_size
    assert large.height > normal.height


def test_text_size_large_sets_the_cookie_and_returns_to_the_page(client: Client) -> None:
    response = client.post(reverse("portal:text_size"), {"size": "large", "next": "/network/"})

    assert response.status_code == 302
    assert response["Location"] == "/network/"
    cookie = response.cookies[TEXT_SIZE_COOKIE]
    assert cookie.value == "large"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"


def test_text_size_normal_removes_the_cookie(client: Client) -> None:
    client.cookies[TEXT_SIZE_COOKIE] = "large"

    response = client.post(reverse("portal:text_size"), {"size": "normal", "next": "/"})

    cookie = response.cookies[TEXT_SIZE_COOKIE]
    assert cookie.value == ""
    assert cookie["max-age"] == 0


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_text_size_refuses_an_off_site_next(client: Client, target: str) -> None:
    response = client.post(reverse("portal:text_size"), {"size": "large", "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_text_size_without_next_returns_home(client: Client) -> None:
    response = client.post(reverse("portal:text_size"), {"size": "large"})

    assert response["Location"] == "/"


def test_text_size_refuses_get(client: Client) -> None:
    response = client.get(reverse("portal:text_size"))

    assert response.status_code == 405


def test_text_size_requires_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("portal:text_size"), {"size": "large"})

    assert response.status_code == 403


def test_large_text_cookie_marks_the_page_and_presses_the_toggle(client: Client) -> None:
    client.cookies[TEXT_SIZE_COOKIE] = "large"

    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert '<html lang="en" class="large-text">' in content
    assert 'aria-pressed="true"' in content


def test_every_page_has_a_skip_link_to_main(client: Client) -> None:
    response = client.get(reverse("portal:home"))

    content = response.content.decode()
    assert '<a class="skip-link" href="#main">' in content
    assert '<main id="main"' in content
