"""Recognition standards (public to read, kept by assessors) and the programs credits count
toward."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import optional_auth
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    IDEMPOTENCY_NOTE,
    _once,
    router,
)
from learningcity.creditbank.choices import (
    CreditCategory,
    StandardKind,
)
from learningcity.creditbank.data import StandardTerms
from learningcity.creditbank.models import (
    StandardVersion,
)
from learningcity.network.choices import Action
from learningcity.network.selectors import access_organization

# Recognition standards and programs ---------------------------------------------------------


class VersionOut(Schema):
    version: int
    effective_from: dt.date
    kind: str
    match_category: str
    match_certificate_code: str
    match_provider_system: str
    credit_category: str
    level: int
    credits_fixed: Decimal | None
    hours_per_credit: Decimal | None
    max_credits_per_record: Decimal | None
    validity_years: int | None
    requires_pass: bool
    min_attendance: Decimal | None
    min_score: Decimal | None
    cap_per_year: Decimal | None
    cap_per_term: Decimal | None
    cap_per_institution: Decimal | None
    cap_certificates: int | None
    change_note: str
    created_at: dt.datetime


class StandardOut(Schema):
    code: str
    name_zh: str
    name_en: str
    owner_code: str = Field(..., alias="owner.code")
    is_active: bool
    versions: list[VersionOut] = Field(..., description="Newest first")


@router.get(
    "/creditbank/standards",
    response=list[StandardOut],
    auth=optional_auth,
    summary="Recognition standards, with every version's rules (public)",
)
@paginate(LimitOffsetPagination)
def list_standards(request: HttpRequest) -> Any:
    return selectors.standard_list()


class TermsIn(Schema):
    kind: StandardKind
    match_category: CreditCategory
    credit_category: CreditCategory
    level: int = Field(..., ge=0, le=100)
    effective_from: dt.date
    match_certificate_code: str = Field("", max_length=40)
    match_provider_system: str = Field("", max_length=20)
    credits_fixed: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    hours_per_credit: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    max_credits_per_record: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    validity_years: int | None = Field(None, ge=0, le=1000)
    requires_pass: bool = False
    min_attendance: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    min_score: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    cap_per_year: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_per_term: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_per_institution: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_certificates: int | None = Field(None, ge=0, le=32767)

    def terms(self) -> StandardTerms:
        return StandardTerms(**self.dict(include=set(StandardTerms.__dataclass_fields__)))


class StandardIn(TermsIn):
    owner: str = Field(..., max_length=32, description="Code of the organization that keeps it")
    code: str = Field(..., max_length=40)
    name_zh: str = Field(..., max_length=150)
    name_en: str = Field("", max_length=200)


@router.post(
    "/creditbank/standards",
    response={201: StandardOut},
    summary="Create a recognition standard with its first version (assessors)",
    description=IDEMPOTENCY_NOTE,
)
def create_standard(request: HttpRequest, data: StandardIn) -> Any:
    owner = access_organization(viewer=request.user, code=data.owner, action=Action.ASSESS)
    standard = _once(
        request,
        action="creditbank.standard_create",
        payload=data.dict(),
        write=lambda: services.standard_create(
            actor=request.user,
            owner=owner,
            code=data.code,
            name_zh=data.name_zh,
            name_en=data.name_en,
            terms=data.terms(),
        ),
        result_of=lambda made: made.code,
        replay=lambda first: selectors.standard_list().get(code=first),
    )
    return Status(201, selectors.standard_list().get(pk=standard.pk))


class RevisionIn(TermsIn):
    change_note: str = Field(..., max_length=300)


@router.post(
    "/creditbank/standards/{code}/versions",
    response={201: StandardOut},
    summary="Revise a standard: a new version; past decisions keep theirs (assessors)",
    description=IDEMPOTENCY_NOTE,
)
def revise_standard(request: HttpRequest, code: str, data: RevisionIn) -> Any:
    _once(
        request,
        action="creditbank.standard_revise",
        payload={"code": code, **data.dict()},
        write=lambda: services.standard_revise(
            actor=request.user, code=code, terms=data.terms(), change_note=data.change_note
        ),
        result_of=lambda made: str(made.pk),
        replay=lambda first: StandardVersion.objects.get(pk=int(first)),
    )
    return Status(201, selectors.standard_list().get(code=code))


class ProgramCourseOut(Schema):
    code: str
    name_zh: str
    name_en: str
    credits: Decimal
    area: str


class EquivalenceOut(Schema):
    certificate_code: str
    name_zh: str
    name_en: str
    course_codes: list[str] = Field(..., description="The program courses it exempts")

    @staticmethod
    def resolve_course_codes(obj: Any) -> list[str]:
        return [course.code for course in obj.courses.all()]


class ProgramOut(Schema):
    code: str
    name_zh: str
    name_en: str
    institution_code: str = Field(..., alias="institution.code")
    level: str
    total_credits: Decimal
    major_min: Decimal
    general_min: Decimal
    in_program_min: Decimal
    max_converted_share: Decimal = Field(..., description="Percent of the total")
    courses: list[ProgramCourseOut]
    equivalences: list[EquivalenceOut]


@router.get(
    "/creditbank/programs",
    response=list[ProgramOut],
    auth=optional_auth,
    summary="Programs credits can count toward, with courses and equivalences (public)",
)
@paginate(LimitOffsetPagination)
def list_programs(request: HttpRequest) -> Any:
    return selectors.program_list().prefetch_related("courses", "equivalences__courses")
