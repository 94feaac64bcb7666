"""Programs credits count toward, with their courses and equivalences, set up by the
awarding institution's assessors."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import ProgramLevel, RequirementArea
from learningcity.creditbank.data import EquivalenceRow, ProgramCourseRow
from learningcity.creditbank.models import Equivalence, Program, ProgramCourse
from learningcity.network.choices import Action
from learningcity.network.models import Organization

ZERO = Decimal("0")


def _program_errors(
    *,
    code: str,
    name_zh: str,
    level: str,
    total_credits: Decimal,
    minima: dict[str, Decimal],
    max_converted_share: Decimal,
    courses: Sequence[ProgramCourseRow],
    equivalences: Sequence[EquivalenceRow],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code.strip() or len(code) > 40:
        errors["code"] = [_("Give a code of 1 to 40 characters.")]
    if not name_zh.strip():
        errors["name_zh"] = [_("Give the program's Chinese name.")]
    if level not in ProgramLevel.values:
        errors["level"] = [_("Select a valid choice.")]
    if not ZERO < total_credits <= Decimal("999"):
        errors["total_credits"] = [_("Enter a number greater than 0 and at most 999.")]
    for name, value in minima.items():
        if not ZERO <= value <= total_credits:
            errors[name] = [_("Enter a number from 0 to the credits required.")]
    if not ZERO <= max_converted_share <= Decimal("100"):
        errors["max_converted_share"] = [_("Enter a number from 0 to 100.")]
    codes = [c.code for c in courses]
    if len(set(codes)) != len(codes):
        errors["courses"] = [_("Each course code appears once.")]
    for course in courses:
        if course.area not in RequirementArea.values or not ZERO < course.credits <= 99:
            errors["courses"] = [
                _("Course %(code)s needs a requirement and 0 to 99 credits.")
                % {"code": course.code}
            ]
    for equivalence in equivalences:
        unknown = sorted(set(equivalence.course_codes) - set(codes))
        if not equivalence.course_codes or unknown:
            errors["equivalences"] = [
                _("The equivalence for %(certificate)s names courses the program does not have.")
                % {"certificate": equivalence.certificate_code}
            ]
    return errors


@transaction.atomic
def program_create(
    *,
    actor: Any,
    institution: Organization,
    code: str,
    name_zh: str,
    name_en: str = "",
    level: str,
    total_credits: Decimal,
    major_min: Decimal = ZERO,
    general_min: Decimal = ZERO,
    in_program_min: Decimal = ZERO,
    max_converted_share: Decimal = ZERO,
    courses: Sequence[ProgramCourseRow],
    equivalences: Sequence[EquivalenceRow] = (),
) -> Program:
    """A program of an institution the actor assesses for, whole or not at all."""
    if not Organization.objects.restrict(actor, Action.ASSESS).filter(pk=institution.pk).exists():
        raise NotFound(_("No such organization."))
    errors = _program_errors(
        code=code,
        name_zh=name_zh,
        level=level,
        total_credits=total_credits,
        minima={
            "major_min": major_min,
            "general_min": general_min,
            "in_program_min": in_program_min,
        },
        max_converted_share=max_converted_share,
        courses=courses,
        equivalences=equivalences,
    )
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    try:
        with transaction.atomic():
            program = Program.objects.create(
                code=code.strip(),
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                institution=institution,
                level=level,
                total_credits=total_credits,
                major_min=major_min,
                general_min=general_min,
                in_program_min=in_program_min,
                max_converted_share=max_converted_share,
            )
    except IntegrityError:
        message = _("A program with this code exists.")
        raise Conflict(message, fields={"code": [message]}) from None
    made = {
        row.code: ProgramCourse.objects.create(
            program=program,
            code=row.code,
            name_zh=row.name_zh,
            name_en=row.name_en,
            credits=row.credits,
            area=row.area,
        )
        for row in courses
    }
    for row in equivalences:
        equivalence = Equivalence.objects.create(
            program=program,
            certificate_code=row.certificate_code,
            name_zh=row.name_zh,
            name_en=row.name_en,
        )
        equivalence.courses.add(*(made[c] for c in row.course_codes))
    audit_record(
        actor=actor,
        action="creditbank.program_create",
        subject=f"creditbank.program:{program.code}",
        data={"courses": len(courses), "equivalences": len(equivalences)},
    )
    return program
