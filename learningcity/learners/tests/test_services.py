"""Registering residents: validation, encryption, duplicates, scope and target groups."""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import translation

from learningcity.accounts.services import user_create
from learningcity.core import idnumber
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.learners import selectors, services
from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

ID_A = idnumber.build("310101", dt.date(1952, 3, 9), 123)


def register(city: City, **overrides: object) -> Learner:
    fields: dict = {
        "actor": city.a.officer,
        "name": "李建国",
        "birth_date": dt.date(1952, 3, 9),
        "gender": "male",
        "residence_area_code": city.a.neighbourhood.code,
        "household": "local",
        "id_number": ID_A,
    }
    fields.update(overrides)
    return services.learner_register(**fields)


def test_registration_stores_only_ciphertext_index_and_mask(city: City) -> None:
    learner = register(city)

    learner.refresh_from_db()
    assert learner.id_number_encrypted is not None
    assert ID_A.encode() not in bytes(learner.id_number_encrypted)
    assert learner.id_number_masked == ID_A[:4] + "**********" + ID_A[-4:]
    assert learner.id_number_index == services.id_number_index(ID_A)
    assert ID_A not in learner.id_number_index


def test_registration_is_audited_without_the_number(city: City) -> None:
    learner = register(city)

    entry = AuditEntry.objects.get(action="learner.register")
    assert entry.subject == f"learner:{learner.public_id}"
    assert entry.actor == city.a.officer
    assert ID_A not in str(entry.data)


def test_the_same_id_number_twice_is_a_conflict_not_a_duplicate(city: City) -> None:
    register(city)

    with pytest.raises(Conflict) as excinfo:
        register(city, name="李建国（重复）")

    assert excinfo.value.fields == {"id_number": ["此身份证号码的学习者已经登记。"]}
    assert Learner.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "language", "message"),
    [
        (
            ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"),
            "en",
            "This ID number's check digit is wrong; please check each digit.",
        ),
        ("12345", "en", "An ID number has 18 characters."),
        (
            ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"),
            "zh-hans",
            "身份证号码的校验位不正确，请逐位核对。",
        ),
    ],
)
def test_invalid_id_number_is_explained_in_the_users_language(
    city: City, raw: str, language: str, message: str
) -> None:
    with translation.override(language), pytest.raises(ValidationFailed) as excinfo:
        register(city, id_number=raw)

    assert excinfo.value.fields["id_number"] == [message]
    assert Learner.objects.count() == 0


def test_birth_date_must_match_the_id_number(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        register(city, birth_date=dt.date(1952, 3, 10))

    assert excinfo.value.fields == {
        "birth_date": ["The date of birth does not match the one in the ID number."]
    }


def test_several_bad_fields_are_reported_together(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        register(city, name=" ", gender="robot", id_number=None)

    assert set(excinfo.value.fields) == {"name", "gender"}


def test_officer_cannot_register_a_resident_of_another_district(city: City) -> None:
    with pytest.raises(PermissionDenied):
        register(city, residence_area_code=city.b.neighbourhood.code)

    assert Learner.objects.count() == 0


def test_provider_staff_cannot_register_residents(city: City) -> None:
    with pytest.raises(PermissionDenied):
        register(city, actor=city.a.school_admin)


def test_update_out_of_scope_is_not_found_and_changes_nothing(city: City) -> None:
    learner = register(city)

    with pytest.raises(NotFound):
        services.learner_update(
            actor=city.b.officer, public_id=learner.public_id, changes={"name": "改名"}
        )

    learner.refresh_from_db()
    assert learner.name == "李建国"


def test_update_in_scope_changes_and_audits_field_names(city: City) -> None:
    learner = register(city)

    services.learner_update(
        actor=city.a.town_officer, public_id=learner.public_id, changes={"phone": "13800000000"}
    )

    learner.refresh_from_db()
    assert learner.phone == "13800000000"
    assert AuditEntry.objects.get(action="learner.update").data == {"fields": ["phone"]}


def test_update_refuses_fields_that_cannot_change(city: City) -> None:
    learner = register(city)

    with pytest.raises(ValidationFailed) as excinfo:
        services.learner_update(
            actor=city.a.officer,
            public_id=learner.public_id,
            changes={"birth_date": dt.date(2000, 1, 1)},
        )

    assert list(excinfo.value.fields) == ["birth_date"]


def test_lookup_by_id_number_uses_the_blind_index(city: City) -> None:
    learner = register(city)

    found = selectors.learner_find_by_id_number(viewer=city.a.town_officer, id_number=ID_A.lower())

    assert found == learner
    with pytest.raises(NotFound):
        selectors.learner_find_by_id_number(viewer=city.b.officer, id_number=ID_A)


def test_reveal_returns_the_number_and_records_why(city: City) -> None:
    learner = register(city)

    value = services.learner_id_number_reveal(
        actor=city.a.officer, learner=learner, reason="Subsidy audit 2026-17"
    )

    assert value == ID_A
    entry = AuditEntry.objects.get(action="learner.id_number.reveal")
    assert entry.reason == "Subsidy audit 2026-17"


@override_settings(AGED_MIN_AGE=60)
def test_aged_follows_from_birth_date(city: City) -> None:
    learner = register(city)

    groups = selectors.learner_target_groups(learner=learner, on=dt.date(2026, 11, 28))

    assert [(g.group, g.since, g.derived) for g in groups] == [
        (TargetGroup.AGED, dt.date(2012, 3, 9), True)
    ]
    assert selectors.learner_target_groups(learner=learner, on=dt.date(2012, 3, 8)) == []


@override_settings(AGED_MIN_AGE=65)
def test_aged_threshold_is_configurable(city: City) -> None:
    learner = register(city)

    assert selectors.learner_target_groups(learner=learner, on=dt.date(2016, 3, 9)) == []
    groups = selectors.learner_target_groups(learner=learner, on=dt.date(2017, 3, 9))
    assert [g.since for g in groups] == [dt.date(2017, 3, 9)]


def test_membership_counts_only_once_verified_and_while_valid(city: City) -> None:
    learner = make_learner(
        actor=city.a.officer, area=city.a.neighbourhood, birth_date=dt.date(1990, 1, 1)
    )
    membership = services.membership_add(
        actor=city.a.officer,
        learner=learner,
        group=TargetGroup.DISABLED,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
        evidence="残疾人证 31010119900101",
    )
    on = dt.date(2026, 6, 1)
    assert selectors.learner_target_groups(learner=learner, on=on) == []

    services.membership_verify(actor=city.a.town_officer, membership_id=membership.pk, approve=True)

    assert [g.group for g in selectors.learner_target_groups(learner=learner, on=on)] == [
        TargetGroup.DISABLED
    ]
    assert selectors.learner_target_groups(learner=learner, on=dt.date(2027, 1, 1)) == []
    membership.refresh_from_db()
    assert (membership.status, membership.verified_by) == (
        MembershipStatus.VERIFIED,
        city.a.town_officer,
    )


def test_membership_cannot_be_decided_twice(city: City) -> None:
    learner = make_learner(actor=city.a.officer, area=city.a.neighbourhood)
    membership = services.membership_add(
        actor=city.a.officer,
        learner=learner,
        group=TargetGroup.LAID_OFF,
        valid_from=dt.date(2026, 1, 1),
    )
    services.membership_verify(actor=city.a.officer, membership_id=membership.pk, approve=False)

    with pytest.raises(Conflict):
        services.membership_verify(actor=city.a.officer, membership_id=membership.pk, approve=True)


def test_other_district_cannot_verify_a_membership(city: City) -> None:
    learner = make_learner(actor=city.a.officer, area=city.a.neighbourhood)
    membership = services.membership_add(
        actor=city.a.officer,
        learner=learner,
        group=TargetGroup.MIGRANT,
        valid_from=dt.date(2026, 1, 1),
    )

    with pytest.raises(NotFound):
        services.membership_verify(actor=city.b.officer, membership_id=membership.pk, approve=True)


def test_aged_cannot_be_claimed_as_a_membership(city: City) -> None:
    learner = make_learner(actor=city.a.officer, area=city.a.neighbourhood)

    with pytest.raises(ValidationFailed) as excinfo:
        services.membership_add(
            actor=city.a.officer,
            learner=learner,
            group=TargetGroup.AGED,
            valid_from=dt.date(2026, 1, 1),
        )

    assert list(excinfo.value.fields) == ["group"]


@pytest.mark.django_db(transaction=True)
def test_plaintext_id_number_is_nowhere_in_the_database(city: City, tmp_path: object) -> None:
    register(city)
    needle = ID_A

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = repr(row)
                assert needle not in text, table
                assert needle.encode() not in b"".join(
                    bytes(v) for v in row if isinstance(v, bytes | memoryview)
                ), table
    if connection.vendor == "sqlite":
        copy = f"{tmp_path}/copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [copy])
        with open(copy, "rb") as handle:
            assert needle.encode() not in handle.read()


def test_a_resident_registered_at_the_counter_gets_a_login_once(city: City) -> None:
    learner = make_learner(actor=city.root, area=city.a.neighbourhood)
    user = user_create(actor=None, username="counter-resident", password=None)
    other = user_create(actor=None, username="someone-else", password=None)

    with pytest.raises(NotFound):
        services.learner_login_link(actor=city.b.officer, public_id=learner.public_id, user=user)
    linked = services.learner_login_link(
        actor=city.a.officer, public_id=learner.public_id, user=user
    )
    with pytest.raises(Conflict):
        services.learner_login_link(actor=city.a.officer, public_id=learner.public_id, user=other)

    assert linked.user == user
    assert AuditEntry.objects.filter(action="learner.login_link").count() == 1
