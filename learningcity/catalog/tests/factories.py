"""Factory functions for the catalog: small, explicit, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.catalog import services
from learningcity.catalog.choices import Audience, Category, Mode, Rationing, ResourceKind
from learningcity.catalog.models import Class, Course, Resource, Term
from learningcity.network.models import LearningSite, Organization
from learningcity.network.tests.factories import City

_seq = itertools.count(1)


def make_term(
    *,
    actor: User,
    code: str | None = None,
    starts_on: dt.date | None = None,
    weeks: int = 16,
    **kwargs: Any,
) -> Term:
    """A term starting four weeks from today unless told otherwise."""
    starts_on = starts_on or timezone.localdate() + dt.timedelta(weeks=4)
    return services.term_create(
        actor=actor,
        code=code or f"T{next(_seq):05d}",
        name_zh=kwargs.pop("name_zh", "测试学期"),
        name_en=kwargs.pop("name_en", "Test term"),
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(weeks=weeks),
        **kwargs,
    )


def make_course(
    *,
    actor: User,
    provider: Organization,
    title_zh: str = "测试课程",
    title_en: str = "Test course",
    category: str = Category.CULTURE_ARTS,
    code: str | None = None,
    hours: Decimal = Decimal("24"),
    **kwargs: Any,
) -> Course:
    return services.course_create(
        actor=actor,
        provider=provider,
        code=code or f"C{next(_seq):06d}",
        title_zh=title_zh,
        title_en=title_en,
        category=category,
        hours=hours,
        **kwargs,
    )


def make_class(
    *,
    actor: User,
    course: Course,
    term: Term,
    site: LearningSite | None = None,
    weekday: int = 2,
    starts_at: dt.time = dt.time(9, 0),
    ends_at: dt.time | None = None,
    capacity: int = 30,
    opens_in: dt.timedelta = dt.timedelta(days=-1),
    open_for: dt.timedelta = dt.timedelta(days=14),
    **kwargs: Any,
) -> Class:
    """A class whose application window opened yesterday and stays open two weeks."""
    opens = timezone.now() + opens_in
    start = dt.datetime.combine(dt.date(2000, 1, 1), starts_at)
    return services.class_create(
        actor=actor,
        course=course,
        term=term,
        site=site,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at or (start + dt.timedelta(hours=2)).time(),
        first_session_on=kwargs.pop("first_session_on", term.starts_on),
        sessions=kwargs.pop("sessions", 12),
        capacity=capacity,
        applications_open_at=opens,
        applications_close_at=opens + open_for,
        **kwargs,
    )


def make_resource(
    *,
    actor: User,
    provider: Organization,
    title_zh: str = "测试资源",
    title_en: str = "Test resource",
    kind: str = ResourceKind.VIDEO,
    category: str = Category.DIGITAL,
    **kwargs: Any,
) -> Resource:
    return services.resource_create(
        actor=actor,
        provider=provider,
        title_zh=title_zh,
        title_en=title_en,
        kind=kind,
        category=category,
        url=kwargs.pop("url", "https://resources.example.org/video/1"),
        **kwargs,
    )


@dataclass
class Catalog:
    term: Term
    photo: Course
    digital: Course
    phone: Course
    sketch: Course
    photo_class: Class
    digital_class: Class
    phone_class: Class
    resource: Resource


def make_catalog(city: City) -> Catalog:
    """Photography in Huangpu (Tuesday morning, free) and Xuhui (Thursday evening, a fee), a
    smartphone class for older residents on Saturday afternoon in Xuhui, a drawing course
    whose description only mentions photography, and an online resource."""
    root = city.root
    term = make_term(actor=root, code="2027-spring")
    photo = make_course(
        actor=root,
        provider=city.a.school,
        code="HP-PHOTO",
        title_zh="摄影入门",
        title_en="Introduction to Photography",
        description_zh="构图、光线与相机设置。",
        description_en="Composition, light and camera settings.",
    )
    digital = make_course(
        actor=root,
        provider=city.b.school,
        code="XH-DIGIPHOTO",
        title_zh="数码摄影",
        title_en="Digital Photography",
        description_zh="曝光、对焦与后期。",
        description_en="Exposure, focus and editing.",
        fee=Decimal("300.00"),
        mode=Mode.BLENDED,
    )
    phone = make_course(
        actor=root,
        provider=city.b.school,
        code="XH-PHONE",
        title_zh="智能手机使用",
        title_en="Smartphone Skills",
        description_zh="微信、支付与挂号。",
        description_en="WeChat, paying and hospital bookings.",
        category=Category.DIGITAL,
        audience=Audience.AGED,
    )
    sketch = make_course(
        actor=root,
        provider=city.a.school,
        code="HP-SKETCH",
        title_zh="风景写生",
        title_en="Landscape Drawing",
        description_zh="对照摄影作品练习风景写生。",
        description_en="Drawing landscapes from photographs.",
    )
    photo_class = make_class(
        actor=root, course=photo, term=term, site=city.a.site, weekday=2, starts_at=dt.time(9)
    )
    digital_class = make_class(
        actor=root,
        course=digital,
        term=term,
        site=city.b.site,
        weekday=4,
        starts_at=dt.time(19),
        rationing=Rationing.FIRST_COME,
    )
    phone_class = make_class(
        actor=root,
        course=phone,
        term=term,
        site=city.b.site,
        weekday=6,
        starts_at=dt.time(14),
        capacity=20,
        group_quota=4,
        teacher="王秀英",
    )
    resource = make_resource(
        actor=root,
        provider=city.a.college,
        title_zh="手机拍照技巧",
        title_en="Taking Better Photos with Your Phone",
        category=Category.CULTURE_ARTS,
    )
    return Catalog(
        term, photo, digital, phone, sketch, photo_class, digital_class, phone_class, resource
    )
