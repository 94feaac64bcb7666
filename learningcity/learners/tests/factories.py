from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from learningcity.core import idnumber
from learningcity.learners.models import Learner
from learningcity.learners.services import learner_register
from learningcity.network.models import Area

_seq = itertools.count(1)


def make_learner(
    *,
    actor: Any,
    area: Area,
    birth_date: dt.date = dt.date(1980, 5, 17),
    name: str = "王秀英",
    with_id: bool = True,
    id_number: str | None = None,
    **kwargs: Any,
) -> Learner:
    number = id_number or (
        idnumber.build(area.code[:6], birth_date, next(_seq)) if with_id else None
    )
    return learner_register(
        actor=actor,
        name=name,
        birth_date=birth_date,
        gender="female",
        residence_area_code=area.code,
        household="local",
        id_number=number,
        **kwargs,
    )
