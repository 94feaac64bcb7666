from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learningcity.network import services
from learningcity.network.choices import OrganizationKind, OrganizationStatus
from learningcity.network.tests.factories import City, make_org, make_site

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("network:directory")


def result_names(response: Any) -> list[str]:
    return [item.name for item, _district in response.context["results"]]


def test_directory_lists_organizations_in_chinese_by_default(client: Client, city: City) -> None:
    response = client.get(DIRECTORY)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-Hans"' in content
    assert "黄浦区社区学院" in content
    assert response.context["page"].paginator.count == 9


def test_directory_is_in_english_with_the_language_cookie(client: Client, city: City) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(DIRECTORY)

    content = response.content.decode()
    assert "Huangpu Community College" in content
    assert "9 organizations found." in content


def test_directory_district_filter_shows_only_that_districts_organizations(
    client: Client, city: City
) -> None:
    response = client.get(DIRECTORY, {"district": "310104"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert result_names(response) == [
        "Xuhui Community College",
        "Xuhui Community School",
        "Xuhui Learning District Office",
        "Xuhui Subdistrict Office",
    ]


def test_directory_searches_chinese_names(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"q": "徐汇区社区"})

    assert result_names(response) == ["徐汇区社区学院"]


def test_directory_searches_english_names(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"q": "huangpu community"}, HTTP_ACCEPT_LANGUAGE="en")

    assert result_names(response) == ["Huangpu Community College", "Huangpu Community School"]


def test_directory_filters_by_provider_system(client: Client, city: City) -> None:
    make_org(
        actor=city.root,
        area=city.a.town,
        kind=OrganizationKind.TRAINING_INSTITUTION,
        name_en="Bright Training",
    )

    response = client.get(DIRECTORY, {"system": "non_public"}, HTTP_ACCEPT_LANGUAGE="en")

    assert result_names(response) == ["Bright Training"]


def test_directory_filters_by_kind(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"kind": "community_college"}, HTTP_ACCEPT_LANGUAGE="en")

    assert result_names(response) == ["Huangpu Community College", "Xuhui Community College"]


def test_directory_names_the_district_of_a_towns_organization(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"kind": "community_school"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "Huangpu First Subdistrict, Huangpu" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"district": "999999"}, "district"),
        ({"system": "bogus"}, "system"),
        ({"kind": "<script>"}, "kind"),
        ({"show": "sites", "features": "jetpack"}, "features"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_directory_bad_filter_is_a_field_error_not_a_crash(
    client: Client, city: City, params: dict[str, str], field: str
) -> None:
    response = client.get(DIRECTORY, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert 'aria-invalid="true"' in response.content.decode()
    assert response.context["page"] is None


def test_directory_bad_filter_message_is_in_chinese_by_default(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"district": "999999"})

    assert response.status_code == 400
    assert "请更正下列字段。" in response.content.decode()


def test_directory_ignores_a_site_filter_when_showing_organizations(
    client: Client, city: City
) -> None:
    response = client.get(DIRECTORY, {"features": "jetpack", "district": "310101"})

    assert response.status_code == 200
    assert len(response.context["results"]) == 4


def test_directory_garbage_page_number_shows_a_page(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"page": "zebra"})

    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_directory_paginates_twenty_per_page(client: Client, city: City) -> None:
    for i in range(25):
        make_site(actor=city.root, organization=city.a.school, name_en=f"Extra site {i}")

    first = client.get(DIRECTORY, {"show": "sites"}, HTTP_ACCEPT_LANGUAGE="en")
    second = client.get(DIRECTORY, {"show": "sites", "page": "2"}, HTTP_ACCEPT_LANGUAGE="en")

    assert len(first.context["results"]) == 20
    assert len(second.context["results"]) == 7
    first_content = first.content.decode()
    assert "27 learning sites found." in first_content
    assert "Page 1 of 2" in first_content
    assert 'rel="next" href="?show=sites&amp;page=2"' in first_content
    assert 'rel="prev" href="?show=sites&amp;page=1"' in second.content.decode()


def test_directory_lists_sites_with_accessibility_as_text(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, {"show": "sites"}, HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert result_names(response) == ["Huangpu Learning Point", "Xuhui Learning Point"]
    assert "Step-free access</li>" in content


def test_directory_filters_sites_by_accessibility(client: Client, city: City) -> None:
    make_site(
        actor=city.root,
        organization=city.b.school,
        name_en="Loop Hall",
        step_free=True,
        hearing_loop=True,
    )

    response = client.get(
        DIRECTORY,
        {"show": "sites", "features": ["step_free", "hearing_loop"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert result_names(response) == ["Loop Hall"]


def test_directory_filters_sites_by_district(client: Client, city: City) -> None:
    response = client.get(
        DIRECTORY, {"show": "sites", "district": "310101"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert result_names(response) == ["Huangpu Learning Point"]


def test_directory_results_link_to_their_pages(client: Client, city: City) -> None:
    orgs = client.get(DIRECTORY, {"kind": "community_college", "district": "310101"})
    sites = client.get(DIRECTORY, {"show": "sites", "district": "310101"})

    assert 'href="/network/organizations/310101-CC/"' in orgs.content.decode()
    assert f'href="/network/sites/{city.a.site.public_id}/"' in sites.content.decode()


def test_directory_form_has_visible_labels(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert '<label for="id_q">Search</label>' in content
    assert '<label for="id_district">District</label>' in content
    assert '<label for="id_system">Provider system</label>' in content
    assert '<label for="id_kind">Kind of organization</label>' in content


def test_directory_offers_the_sixteen_districts_as_a_select(client: Client, city: City) -> None:
    response = client.get(DIRECTORY, HTTP_ACCEPT_LANGUAGE="en")

    choices = list(response.context["form"].fields["district"].choices)
    assert choices[1:] == [("310101", "Huangpu"), ("310104", "Xuhui")]


def test_directory_hides_closed_organizations(client: Client, city: City) -> None:
    services.organization_update(
        actor=city.root, code="310104-CC", changes={"status": OrganizationStatus.CLOSED}
    )

    response = client.get(DIRECTORY, {"kind": "community_college"}, HTTP_ACCEPT_LANGUAGE="en")

    assert result_names(response) == ["Huangpu Community College"]


def test_directory_runs_a_bounded_number_of_queries(
    client: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_site(actor=city.root, organization=city.a.school, name_en=f"Extra {i}")

    with django_assert_max_num_queries(5):
        response = client.get(DIRECTORY, {"show": "sites", "district": "310101"})

    assert len(response.context["results"]) == 20


def test_organization_page_shows_its_facts_in_chinese(client: Client, city: City) -> None:
    response = client.get(reverse("network:organization", args=["310101-CS"]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>黄浦区一街道社区学校</h1>" in content
    assert "黄浦区社区学院" in content  # its parent
    assert "黄浦区一居委学习点" in content  # its site


def test_organization_page_in_english(client: Client, city: City) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(reverse("network:organization", args=["310101-CS"]))

    content = response.content.decode()
    assert "<h1>Huangpu Community School</h1>" in content
    assert "<dd>Town community school</dd>" in content
    assert "<dd>Community and elder education</dd>" in content
    assert "Huangpu First Subdistrict, Huangpu" in content
    assert '<a href="/network/organizations/310101-CC/">Huangpu Community College</a>' in content
    assert f'href="/network/sites/{city.a.site.public_id}/">Huangpu Learning Point</a>' in content


def test_organization_page_lists_member_organizations(client: Client, city: City) -> None:
    response = client.get(
        reverse("network:organization", args=["310101-CC"]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert [m.code for m in response.context["members"]] == ["310101-CS"]


def test_unknown_organization_is_404(client: Client, city: City) -> None:
    response = client.get(reverse("network:organization", args=["NO-SUCH"]))

    assert response.status_code == 404


def test_closed_organization_is_404(client: Client, city: City) -> None:
    services.organization_update(
        actor=city.root, code="310101-CS", changes={"status": OrganizationStatus.CLOSED}
    )

    response = client.get(reverse("network:organization", args=["310101-CS"]))

    assert response.status_code == 404


def test_site_page_shows_its_facts_in_chinese(client: Client, city: City) -> None:
    response = client.get(reverse("network:site", args=[city.a.site.public_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>黄浦区一居委学习点</h1>" in content
    assert "测试路1号" in content
    assert "黄浦区一街道社区学校" in content


def test_site_page_states_accessibility_in_words(client: Client, city: City) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(reverse("network:site", args=[city.a.site.public_id]))

    content = response.content.decode()
    assert "Step-free access: yes" in content
    assert "Accessible toilet: no" in content
    assert "Hearing loop: no" in content
    assert "<dd>40</dd>" in content  # seats
    assert "Huangpu First Neighbourhood, Huangpu" in content


def test_site_page_shows_coordinates(client: Client, city: City) -> None:
    site = make_site(
        actor=city.root,
        organization=city.a.school,
        latitude="31.230416",
        longitude="121.473701",
    )

    response = client.get(reverse("network:site", args=[site.public_id]), HTTP_ACCEPT_LANGUAGE="en")

    assert "latitude 31.230416, longitude 121.473701" in response.content.decode()


def test_unknown_site_is_404(client: Client, city: City) -> None:
    response = client.get(reverse("network:site", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_closed_site_is_404(client: Client, city: City) -> None:
    services.site_update(
        actor=city.root, public_id=city.a.site.public_id, changes={"is_active": False}
    )

    response = client.get(reverse("network:site", args=[city.a.site.public_id]))

    assert response.status_code == 404
