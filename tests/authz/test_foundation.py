"""The authorization matrix of the foundation: accounts (login, two-factor, password reset),
the network (the public directory; organizations, sites and staff roles in scope), residents
(learners, target groups and memberships) and the portal (home, display, personal data,
corrections and the ID-number access log).

The world puts an object of each kind in district A (town A1, its community school, resident A)
and its counterpart in district B (the other resident), so each object-level row asks both
"who may reach A's object" and "who may reach B's"."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learningcity.core import crypto
from learningcity.learners.models import Learner
from learningcity.learners.services import (
    ID_CONTEXT,
    correction_answer,
    correction_request,
    learner_id_number_reveal,
    membership_add,
    membership_verify,
)
from learningcity.learners.tests.factories import make_learner
from learningcity.network import services as network_services
from learningcity.network.choices import (
    AreaLevel,
    OrganizationKind,
    OrganizationStatus,
    StaffRoleKind,
)
from learningcity.network.tests.factories import (
    City,
    make_area,
    make_org,
    make_site,
    make_staff,
    make_user,
)
from tests.authz.matrix import (
    ANY_STAFF,
    NOBODY,
    OTHER_RESIDENT,
    PUBLIC,
    RESIDENT,
    SIGNED_IN,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
    staff_name,
)

pytestmark = pytest.mark.django_db

# Where district A's objects are seen or changed from: the municipal commission, district A's
# office and town A1's office (governance, over their area), and town A1's community school
# (a provider, over its own organization and sites).
IN_A = ("municipal", "district", "town")
IN_A_AND_PROVIDER = (*IN_A, "provider")
IN_B = ("municipal", "other_district")


# The directory's objects: seen by staff whose scope holds them (`mine=true`).
SEE_SCHOOL_A = staff("view", levels=IN_A_AND_PROVIDER)
CHANGE_SCHOOL_A = staff("change", levels=IN_A_AND_PROVIDER)
CHANGE_SCHOOL_B = staff("change", levels=IN_B)
# Residents are seen by the governance bodies of the area they live in, not by providers.
SEE_RESIDENT_A = staff("view", levels=IN_A)
CHANGE_RESIDENT_A = staff("change", levels=IN_A)
SEE_RESIDENT_B = staff("view", levels=IN_B)
CHANGE_RESIDENT_B = staff("change", levels=IN_B)

TODAY = "2026-01-01"


def _learner_body(area_key: str) -> dict[str, Any]:
    return {
        "name": "赵新民",
        "birth_date": "1950-03-04",
        "gender": "male",
        "residence_area_code": "{" + area_key + "}",
        "household": "local",
        "phone": "13800000000",
        "preferred_language": "zh-hans",
        "accessibility_needs": ["large_text"],
    }


# Logging out ends the caller's session for every row after it, so it is called last, apart.
LOGOUT = Page("accounts:logout", PUBLIC, method="POST")

ROUTES: list[Route] = [
    # --- accounts: the login pages are for everyone, by nature --------------------------------
    Page("set_language", PUBLIC),  # GET only answers 204; it changes nothing
    Page("set_language", PUBLIC, method="POST", data={"language": "en", "next": "/"}),
    # Logged-in callers are sent on to the home page (redirect_authenticated_user).
    Page("accounts:login", PUBLIC),
    Page(
        "accounts:login",
        PUBLIC,
        method="POST",
        data={"username": "mx-resident", "password": "not-the-password"},
    ),
    Page("accounts:logout", PUBLIC),  # GET is refused with 405 for everyone: logging out is a POST
    # The code page needs the password step first; everyone here has passed both.
    Page("accounts:two_factor", SIGNED_IN),
    Page("accounts:two_factor", SIGNED_IN, method="POST", data={"code": "123456"}),
    Page("accounts:password_reset", PUBLIC),
    Page("accounts:password_reset", PUBLIC, method="POST", data={"email": "a@example.org"}),
    Page("accounts:password_reset_done", PUBLIC),
    # The token is the key: whoever holds the link may set a password; a bogus one opens nothing.
    Page(
        "accounts:password_reset_confirm",
        PUBLIC,
        kwargs={"uidb64": "{reset_uid}", "token": "{reset_token}"},
    ),
    Page(
        "accounts:password_reset_confirm",
        PUBLIC,
        kwargs={"uidb64": "{reset_uid}", "token": "bogus-token"},
        shows="reset_form_marker",
        seers=NOBODY,
    ),
    Page(
        "accounts:password_reset_confirm",
        PUBLIC,
        kwargs={"uidb64": "{reset_uid}", "token": "set-password"},
        method="POST",
        data={"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
        shows="reset_form_marker",
        seers=NOBODY,  # without the token from the mail in the session, no form is offered
    ),
    Page("accounts:password_reset_complete", PUBLIC),
    Op("GET", "/api/v1/me", SIGNED_IN),
    # --- network: the directory is public; suspended organizations and closed sites are not in it
    Page("network:directory", PUBLIC, shows="school_name"),
    Page("network:directory", PUBLIC, query="q=Shut", shows="shut_org_name", seers=NOBODY),
    Page(
        "network:directory",
        PUBLIC,
        query="show=sites&q=Shuttered",
        shows="closed_site_name",
        seers=NOBODY,
    ),
    Page("network:organization", PUBLIC, kwargs={"code": "{school_code}"}, shows="site_name"),
    Page(
        "network:organization",
        PUBLIC,
        kwargs={"code": "{school_code}"},
        shows="closed_site_name",
        seers=NOBODY,
    ),
    # A suspended member is left out of its parent's page as well.
    Page(
        "network:organization",
        PUBLIC,
        kwargs={"code": "{college_code}"},
        shows="shut_org_name",
        seers=NOBODY,
    ),
    Page("network:organization", NOBODY, kwargs={"code": "{shut_org_code}"}),
    Page("network:site", PUBLIC, kwargs={"site_id": "{site_id}"}, shows="site_name"),
    Page("network:site", NOBODY, kwargs={"site_id": "{closed_site_id}"}),
    Op("GET", "/api/v1/areas", PUBLIC, query="level=district", shows="district_code"),
    Op("GET", "/api/v1/areas/{code}", PUBLIC, params={"code": "neighbourhood_code"}),
    Op("GET", "/api/v1/organizations", PUBLIC, shows="school_code"),
    Op(
        "GET",
        "/api/v1/organizations",
        PUBLIC,
        query="area={town_code}",
        shows="shut_org_code",
        seers=NOBODY,
    ),
    # With mine=true everyone is answered, each with what they manage.
    Op(
        "GET",
        "/api/v1/organizations",
        PUBLIC,
        query="mine=true",
        shows="school_code",
        seers=SEE_SCHOOL_A,
    ),
    Op(
        "GET",
        "/api/v1/organizations",
        PUBLIC,
        query="mine=true&area={town_code}",
        shows="shut_org_code",
        seers=staff("view", levels=IN_A),
    ),
    Op(
        "GET",
        "/api/v1/organizations",
        PUBLIC,
        query="mine=true",
        shows="other_school_code",
        seers=staff("view", levels=IN_B),
    ),
    Op("GET", "/api/v1/organizations/{code}", PUBLIC, params={"code": "school_code"}),
    # The API's single organization is the public directory's: staff find a suspended one of
    # theirs with mine=true.
    Op("GET", "/api/v1/organizations/{code}", NOBODY, params={"code": "shut_org_code"}),
    Op(
        "PATCH",
        "/api/v1/organizations/{code}",
        CHANGE_SCHOOL_A,
        params={"code": "school_code"},
        body={"phone": "021-12345678"},
    ),
    Op(
        "PATCH",
        "/api/v1/organizations/{code}",
        CHANGE_SCHOOL_A,
        params={"code": "school_code"},
        body={"status": "suspended"},
    ),
    Op(
        "PATCH",
        "/api/v1/organizations/{code}",
        CHANGE_SCHOOL_B,
        params={"code": "other_school_code"},
        body={"phone": "021-12345678"},
    ),
    # A district office is changed from the district or the city, not by the towns below it.
    Op(
        "PATCH",
        "/api/v1/organizations/{code}",
        staff("change", levels=("municipal", "district")),
        params={"code": "office_code"},
        body={"website": "https://a.example.org/"},
    ),
    # The district's community college is above town A1 and above the school it governs.
    Op(
        "PATCH",
        "/api/v1/organizations/{code}",
        staff("change", levels=("municipal", "district")),
        params={"code": "college_code"},
        body={"phone": "021-87654321"},
    ),
    Op("GET", "/api/v1/sites", PUBLIC, shows="site_id"),
    Op("GET", "/api/v1/sites", PUBLIC, query="q=Shuttered", shows="closed_site_id", seers=NOBODY),
    Op(
        "GET",
        "/api/v1/sites",
        PUBLIC,
        query="mine=true",
        shows="closed_site_id",
        seers=SEE_SCHOOL_A,
    ),
    Op(
        "GET",
        "/api/v1/sites",
        PUBLIC,
        query="mine=true",
        shows="other_site_id",
        seers=staff("view", levels=IN_B),
    ),
    Op("GET", "/api/v1/sites/{site_id}", PUBLIC, params={"site_id": "site_id"}),
    Op("GET", "/api/v1/sites/{site_id}", NOBODY, params={"site_id": "closed_site_id"}),
    Op(
        "PATCH",
        "/api/v1/sites/{site_id}",
        CHANGE_SCHOOL_A,
        params={"site_id": "site_id"},
        body={"capacity": 30, "hearing_loop": True},
    ),
    Op(
        "PATCH",
        "/api/v1/sites/{site_id}",
        CHANGE_SCHOOL_B,
        params={"site_id": "other_site_id"},
        body={"capacity": 30},
    ),
    # Everyone signed in is answered; each sees the roles where they manage staff.
    Op(
        "GET",
        "/api/v1/staff-roles",
        SIGNED_IN,
        shows="school_staff_username",
        seers=staff("manage_staff", levels=IN_A_AND_PROVIDER),
    ),
    Op(
        "GET",
        "/api/v1/staff-roles",
        SIGNED_IN,
        shows="other_staff_username",
        seers=staff("manage_staff", levels=IN_B),
    ),
    # --- learners ----------------------------------------------------------------------------
    Op("GET", "/api/v1/learners", SIGNED_IN, shows="resident_id", seers=SEE_RESIDENT_A),
    Op("GET", "/api/v1/learners", SIGNED_IN, shows="other_resident_id", seers=SEE_RESIDENT_B),
    Op(
        "POST",
        "/api/v1/learners",
        CHANGE_RESIDENT_A,
        body=_learner_body("neighbourhood_code"),
    ),
    Op(
        "POST",
        "/api/v1/learners",
        CHANGE_RESIDENT_B,
        body=_learner_body("other_neighbourhood_code"),
    ),
    Op(
        "POST",
        "/api/v1/learners/lookup",
        SEE_RESIDENT_A,
        body={"id_number": "{resident_id_number}"},
        shows="resident_id",
    ),
    Op(
        "POST",
        "/api/v1/learners/lookup",
        SEE_RESIDENT_B,
        body={"id_number": "{other_resident_id_number}"},
        shows="other_resident_id",
    ),
    Op(
        "GET",
        "/api/v1/learners/{learner_id}",
        SEE_RESIDENT_A,
        params={"learner_id": "resident_id"},
        shows="resident_id_masked",
    ),
    Op(
        "GET",
        "/api/v1/learners/{learner_id}",
        SEE_RESIDENT_B,
        params={"learner_id": "other_resident_id"},
    ),
    # A resident of town A2 is district A's, but not town A1's.
    Op(
        "GET",
        "/api/v1/learners",
        SIGNED_IN,
        shows="town2_resident_id",
        seers=staff("view", levels=("municipal", "district")),
    ),
    Op(
        "GET",
        "/api/v1/learners/{learner_id}",
        staff("view", levels=("municipal", "district")),
        params={"learner_id": "town2_resident_id"},
    ),
    Op(
        "PATCH",
        "/api/v1/learners/{learner_id}",
        staff("change", levels=("municipal", "district")),
        params={"learner_id": "town2_resident_id"},
        body={"household": "non_local"},
    ),
    Op(
        "PATCH",
        "/api/v1/learners/{learner_id}",
        CHANGE_RESIDENT_A,
        params={"learner_id": "resident_id"},
        body={"phone": "13900000000", "accessibility_needs": ["large_text"]},
    ),
    Op(
        "PATCH",
        "/api/v1/learners/{learner_id}",
        CHANGE_RESIDENT_B,
        params={"learner_id": "other_resident_id"},
        body={"phone": "13900000000"},
    ),
    Op(
        "GET",
        "/api/v1/learners/{learner_id}/target-groups",
        SEE_RESIDENT_A,
        params={"learner_id": "resident_id"},
    ),
    Op(
        "GET",
        "/api/v1/learners/{learner_id}/target-groups",
        SEE_RESIDENT_B,
        params={"learner_id": "other_resident_id"},
    ),
    Op(
        "POST",
        "/api/v1/learners/{learner_id}/memberships",
        CHANGE_RESIDENT_A,
        params={"learner_id": "resident_id"},
        body={"group": "laid_off", "valid_from": TODAY, "evidence": "certificate 123"},
    ),
    Op(
        "POST",
        "/api/v1/learners/{learner_id}/memberships",
        CHANGE_RESIDENT_B,
        params={"learner_id": "other_resident_id"},
        body={"group": "laid_off", "valid_from": TODAY},
    ),
    Op(
        "POST",
        "/api/v1/memberships/{membership_id}/decision",
        CHANGE_RESIDENT_A,
        params={"membership_id": "membership_id"},
        body={"approve": True, "reason": "certificate seen"},
    ),
    Op(
        "POST",
        "/api/v1/memberships/{membership_id}/decision",
        CHANGE_RESIDENT_B,
        params={"membership_id": "other_membership_id"},
        body={"approve": False, "reason": "no evidence"},
    ),
    # --- portal ------------------------------------------------------------------------------
    Page("portal:home", PUBLIC),
    Page("portal:text_size", PUBLIC),  # GET is refused with 405 for everyone: it is a form
    Page("portal:text_size", PUBLIC, method="POST", data={"size": "large", "next": "/"}),
    # Everyone with a login sees what is held about them, and only about them.
    Page("portal:my_data", SIGNED_IN, shows="correction_details", seers=frozenset({RESIDENT})),
    Page(
        "portal:my_data",
        SIGNED_IN,
        shows="other_correction_details",
        seers=frozenset({OTHER_RESIDENT}),
    ),
    Page(
        "portal:my_data",
        SIGNED_IN,
        method="POST",
        data={"details": "My phone number is 13700000000."},
    ),
    Page(
        "portal:my_data_download",
        SIGNED_IN,
        shows="resident_id",
        seers=frozenset({RESIDENT}),
    ),
    Page(
        "portal:my_data_download",
        SIGNED_IN,
        shows="other_resident_id",
        seers=frozenset({OTHER_RESIDENT}),
    ),
    # A resident registered by district A's administrator is that resident's data, not the
    # administrator's: no one's download carries it.
    Page("portal:my_data_download", SIGNED_IN, shows="registered_name", seers=NOBODY),
    # Staff open the page and see the requests of residents in their area (providers none).
    Page(
        "portal:corrections",
        ANY_STAFF,
        shows="correction_details",
        seers=SEE_RESIDENT_A,
    ),
    Page(
        "portal:corrections",
        ANY_STAFF,
        shows="other_correction_details",
        seers=SEE_RESIDENT_B,
    ),
    Page(
        "portal:corrections",
        CHANGE_RESIDENT_A,
        method="POST",
        data={"request": "{correction_id}", "status": "corrected", "answer": "Fixed."},
    ),
    Page(
        "portal:corrections",
        CHANGE_RESIDENT_B,
        method="POST",
        data={"request": "{other_correction_id}", "status": "declined", "answer": "It is right."},
    ),
    # A request id that is not one is a request nobody has.
    Page(
        "portal:corrections",
        NOBODY,
        method="POST",
        data={"request": "not-a-request", "status": "corrected", "answer": "Fixed."},
    ),
    # The ID-number access log is for auditors and offices (the view's docstring; the browser
    # journey has the district office that revealed a number read it): every staff login opens
    # it and reads the reveals about residents of its area only; a provider's staff, who see
    # no residents, read none.
    Page(
        "portal:id_access",
        ANY_STAFF,
        shows="reveal_reason",
        seers=SEE_RESIDENT_A,
    ),
    Page(
        "portal:id_access",
        ANY_STAFF,
        shows="other_reveal_reason",
        seers=SEE_RESIDENT_B,
    ),
    LOGOUT,
]


def build_world(city: City, actors: Actors) -> dict[str, str]:
    root = city.root
    resident, other = actors.resident, actors.other_resident
    # A provider in town A1 that is suspended, and a closed site of school A.
    shut = make_org(
        actor=root,
        area=city.a.town,
        kind=OrganizationKind.TRAINING_INSTITUTION,
        parent=city.a.college,
        code="SHUT-TRAINING",
        name_zh="停业培训机构",
        name_en="Shut Training Centre",
    )
    network_services.organization_update(
        actor=root, code=shut.code, changes={"status": OrganizationStatus.SUSPENDED}
    )
    closed = make_site(
        actor=root, organization=city.a.school, name_zh="已关闭学习点", name_en="Shuttered Hall"
    )
    network_services.site_update(
        actor=root, public_id=closed.public_id, changes={"is_active": False}
    )

    claim = membership_add(
        actor=root, learner=resident, group="disabled", valid_from=dt.date(2025, 1, 1)
    )
    other_claim = membership_add(
        actor=root, learner=other, group="migrant", valid_from=dt.date(2025, 1, 1)
    )
    asked = correction_request(
        actor=actors.users[RESIDENT], learner=resident, details="Birth year CORR-A-1951."
    )
    other_asked = correction_request(
        actor=actors.users[OTHER_RESIDENT], learner=other, details="Phone CORR-B-13811112222."
    )
    learner_id_number_reveal(
        actor=actors.users[staff_name("district", "admin")],
        learner=resident,
        reason="REVEAL-A benefit check",
    )
    learner_id_number_reveal(
        actor=actors.users[staff_name("other_district", "registrar")],
        learner=other,
        reason="REVEAL-B benefit check",
    )
    registered = make_learner(
        actor=actors.users[staff_name("district", "registrar")],
        area=city.a.neighbourhood,
        name="钱registered",
    )
    town2 = make_area(actor=root, parent=city.a.area, level=AreaLevel.TOWN, code="310101002")
    neighbourhood2 = make_area(
        actor=root, parent=town2, level=AreaLevel.NEIGHBOURHOOD, code="310101002001"
    )
    town2_resident = make_learner(actor=root, area=neighbourhood2, name="吴town2")
    user: Any = actors.users[RESIDENT]
    return {
        "district_code": city.a.area.code,
        "town_code": city.a.town.code,
        "neighbourhood_code": city.a.neighbourhood.code,
        "other_neighbourhood_code": city.b.neighbourhood.code,
        "office_code": city.a.office.code,
        "school_code": city.a.school.code,
        "college_code": city.a.college.code,
        "school_name": city.a.school.name_en,
        "other_school_code": city.b.school.code,
        "shut_org_code": shut.code,
        "shut_org_name": shut.name_en,
        "site_id": str(city.a.site.public_id),
        "site_name": city.a.site.name_en,
        "other_site_id": str(city.b.site.public_id),
        "closed_site_id": str(closed.public_id),
        "closed_site_name": closed.name_en,
        "school_staff_username": actors.users[staff_name("provider", "viewer")].username,
        "other_staff_username": actors.users[staff_name("other_district", "viewer")].username,
        "resident_id": str(resident.public_id),
        "resident_id_masked": resident.id_number_masked,
        "other_resident_id": str(other.public_id),
        "resident_id_number": _id_number(resident),
        "other_resident_id_number": _id_number(other),
        "registered_name": registered.name,
        "town2_resident_id": str(town2_resident.public_id),
        "membership_id": str(claim.pk),
        "other_membership_id": str(other_claim.pk),
        "correction_id": str(asked.public_id),
        "correction_details": asked.details,
        "other_correction_id": str(other_asked.public_id),
        "other_correction_details": other_asked.details,
        "reveal_reason": "REVEAL-A",
        "other_reveal_reason": "REVEAL-B",
        "reset_uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "reset_token": default_token_generator.make_token(user),
        "reset_form_marker": 'name="new_password1"',
    }


def _id_number(learner: Any) -> str:
    return crypto.decrypt(learner.id_number_encrypted, context=ID_CONTEXT)


def test_foundation_matrix(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    run_matrix([route for route in ROUTES if route is not LOGOUT], world, actors)
    run_matrix([LOGOUT], world, actors)


def _download(client: Client) -> dict[str, Any]:
    response = client.get(reverse("portal:my_data_download"))
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_staff_download_holds_no_resident_the_officer_handled(city: City) -> None:
    # Given a town registrar who registered a resident, revealed her ID number, added and
    # verified her target-group claim and answered her correction request
    registrar = make_staff(
        actor=city.root, organization=city.a.town_office, role=StaffRoleKind.REGISTRAR
    )
    resident_user = make_user()
    learner = make_learner(
        actor=registrar,
        area=city.a.neighbourhood,
        name="孙handled",
        user=resident_user,
        idempotency_key="counter-1",
    )
    learner_id_number_reveal(actor=registrar, learner=learner, reason="allowance check")
    claim = membership_add(
        actor=registrar, learner=learner, group="disabled", valid_from=dt.date(2025, 1, 1)
    )
    membership_verify(actor=registrar, membership_id=claim.pk, approve=True)
    asked = correction_request(actor=resident_user, learner=learner, details="Spelling KEEP-ME.")
    correction_answer(
        actor=registrar, public_id=asked.public_id, status="corrected", answer="Fixed it."
    )
    officer, resident = Client(), Client()
    officer.force_login(registrar)
    resident.force_login(resident_user)

    # When each downloads their data
    officer_text = json.dumps(_download(officer), ensure_ascii=False)
    mine = _download(resident)

    # Then the officer's holds their login and role, and nothing about the resident
    assert registrar.username in officer_text
    assert "network.staffrole.user" in json.loads(officer_text)["related"]
    assert "孙handled" not in officer_text
    assert str(learner.public_id) not in officer_text
    assert "allowance check" not in officer_text
    assert "KEEP-ME" not in officer_text
    # And the resident's still holds all of it, decisions by the officer included
    mine_text = json.dumps(mine, ensure_ascii=False)
    assert mine["resident"]["name"] == "孙handled"
    assert len(mine["related"]["learners.targetgroupmembership.learner"]) == 1
    assert len(mine["related"]["learners.correctionrequest.learner"]) == 1
    assert "Fixed it." in mine_text
    assert "allowance check" in mine_text


def test_a_resident_download_holds_no_other_residents_record(city: City) -> None:
    # Given a resident who (as a volunteer at the counter) is also recorded as the creator of
    # another resident's record
    helper_user = make_user()
    helper = make_learner(actor=city.root, area=city.a.neighbourhood, user=helper_user)
    other = make_learner(actor=city.root, area=city.a.neighbourhood, name="周other")
    Learner.objects.filter(pk=other.pk).update(created_by=helper_user)
    client = Client()
    client.force_login(helper_user)

    # When she downloads her data
    text = json.dumps(_download(client), ensure_ascii=False)

    # Then her own record is there and the other resident's is not
    assert str(helper.public_id) in text
    assert "周other" not in text
    assert str(other.public_id) not in text
