"""Monitoring pages: who may open each (scope tests for every URL), what they show, and the
open data downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.monitoring import services
from learningcity.monitoring.choices import Indicator
from learningcity.monitoring.tests.factories import make_blueprint, resident, set_population
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(city: City) -> City:
    """Population, a blueprint, one learner in each district and the aggregates."""
    set_population(city)
    make_blueprint(city)
    bank = make_bank(city)
    submit(bank, resident(city, age=70, district="a"))
    submit(bank, resident(city, age=30, district="b"))
    services.refresh(actor=city.root)
    return city


def test_the_municipal_dashboard_shows_every_district_with_plots_and_tables(
    refreshed: City, client: Client
) -> None:
    client.force_login(refreshed.municipal_officer)

    page = client.get("/monitoring/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Learning city dashboard: Shanghai" in html
    assert "Huangpu" in html and "Xuhui" in html
    assert html.count("<svg") == 4
    assert html.count("<table") == 4
    assert "Blueprint target" in html
    assert "<script" not in html


def test_a_district_office_sees_itself_and_the_city_average_only(
    refreshed: City, client: Client
) -> None:
    client.force_login(refreshed.a.officer)

    page = client.get("/monitoring/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Learning city dashboard: Huangpu" in page
    assert "City average" in page
    assert "Xuhui" not in page
    assert client.get(f"/monitoring/?area={refreshed.b.area.code}").status_code == 404
    assert client.get(f"/monitoring/?area={refreshed.city.code}").status_code == 200


def test_residents_providers_and_the_public_are_sent_to_open_data(
    refreshed: City, client: Client
) -> None:
    for path in ("/monitoring/", "/monitoring/blueprint/"):
        assert client.get(path).status_code == 403
        client.force_login(refreshed.a.school_admin)
        page = client.get(path)
        assert page.status_code == 403
        assert "/monitoring/open-data/" in page.content.decode()
        client.logout()


def test_the_blueprint_page_shows_targets_with_lights_and_reasons(
    refreshed: City, client: Client
) -> None:
    client.force_login(refreshed.municipal_officer)

    page = client.get("/monitoring/blueprint/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Learning city blueprint" in page
    assert "Everyone learns" in page
    assert "Behind the target" in page
    assert "Not due yet" in page
    client.force_login(refreshed.b.officer)
    assert client.get(f"/monitoring/blueprint/?area={refreshed.a.area.code}").status_code == 404
    assert client.get("/monitoring/blueprint/?code=nope").status_code == 404


def test_indicator_definitions_are_public_and_staff_also_see_the_figures(
    refreshed: City, client: Client
) -> None:
    public = client.get(
        "/monitoring/indicators/participation_rate/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "What it measures" in public
    assert "<svg" not in public
    assert client.get("/monitoring/indicators/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert client.get("/monitoring/indicators/nothing/").status_code == 404

    client.force_login(refreshed.a.officer)
    staff = client.get(
        "/monitoring/indicators/participation_rate/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert staff.count("<svg") == 5  # trend, comparison, age, household, target group
    assert "Xuhui" not in staff


def test_open_data_is_public_and_withholds_small_cells(refreshed: City, client: Client) -> None:
    page = client.get("/monitoring/open-data/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "withheld (small group)" in html
    assert "Download as CSV" in html


def test_the_csv_download_has_the_documented_columns_and_no_small_cells(
    refreshed: City, client: Client
) -> None:
    response = client.get("/monitoring/open-data/indicators.csv?indicator=participation_rate")

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and {r["indicator"] for r in rows} == {"participation_rate"}
    assert {r["area_level"] for r in rows} == {"city", "district"}
    city_row = next(
        r
        for r in rows
        if r["area_code"] == refreshed.city.code
        and r["dimension"] == "all"
        and r["period"] == str(rows[-1]["period"])
    )
    assert city_row["suppressed"] == "yes"  # two learners: fewer than ten people
    assert city_row["numerator"] == city_row["value"] == ""


def test_the_xlsx_download_matches_the_csv(refreshed: City, client: Client) -> None:
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get("/monitoring/open-data/indicators.csv").content.decode("utf-8-sig")
            )
        )
    )

    response = client.get("/monitoring/open-data/indicators.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    xlsx_rows = [
        ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert xlsx_rows == csv_rows


def test_the_schema_page_documents_every_column(client: Client, city: City) -> None:
    page = client.get("/monitoring/open-data/schema/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for column in ("indicator", "period", "area_code", "numerator", "value", "suppressed"):
        assert f"<code>{column}</code>" in page


def test_a_bad_year_filter_is_a_form_error_not_a_500(client: Client, city: City) -> None:
    page = client.get("/monitoring/open-data/?year=abc", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "Please correct the fields below." in page.content.decode()


def test_every_indicator_page_opens_for_staff_and_the_public(
    refreshed: City, client: Client
) -> None:
    for code in Indicator.values:
        assert client.get(f"/monitoring/indicators/{code}/").status_code == 200, code
    client.force_login(refreshed.a.officer)
    for code in Indicator.values:
        assert client.get(f"/monitoring/indicators/{code}/").status_code == 200, code

    gap = client.get("/monitoring/indicators/equity_gap/").content.decode()
    assert gap.count("<svg") == 1  # by target group only: the gap has no overall figure


def test_a_town_office_sees_its_town_with_its_district_and_the_city_to_compare(
    refreshed: City, client: Client
) -> None:
    client.force_login(refreshed.a.town_officer)

    page = client.get("/monitoring/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Learning city dashboard: Huangpu First Subdistrict" in page
    assert client.get(f"/monitoring/?area={refreshed.a.area.code}").status_code == 200
    assert client.get(f"/monitoring/?area={refreshed.b.town.code}").status_code == 404
    assert client.get(f"/monitoring/?area={refreshed.b.area.code}").status_code == 404
