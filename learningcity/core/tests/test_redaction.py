"""Logs and error reports carry no personal data."""

from __future__ import annotations

import io
import logging

from django.test import RequestFactory

from learningcity.core.redaction import PersonalDataFilter, PersonalDataReporterFilter, redact

ID_NUMBER = "11010519491231002X"


def test_id_numbers_phones_and_emails_are_masked_but_ids_and_times_are_not() -> None:
    text = (
        f"learner {ID_NUMBER} phone 13812345678 mail lin@example.org "
        "record 0193b2a4-7c1e-7e3a-9b2f-1a2b3c4d5e6f at 20261128123456789"
    )

    assert redact(text) == (
        "learner [id number] phone [phone] mail [e-mail] "
        "record 0193b2a4-7c1e-7e3a-9b2f-1a2b3c4d5e6f at 20261128123456789"
    )


def test_a_log_line_and_its_traceback_are_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("learningcity.test.redaction")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            logger.exception("could not match %s for %s", ID_NUMBER, "13812345678")
    finally:
        logger.removeHandler(handler)

    out = stream.getvalue()
    assert ID_NUMBER not in out
    assert "13812345678" not in out
    assert out.count("[id number]") == 2


def test_an_error_report_shows_no_posted_value() -> None:
    request = RequestFactory().post("/learners/", {"id_number": ID_NUMBER, "name": "林秀英"})

    posted = PersonalDataReporterFilter().get_post_parameters(request)

    assert set(posted) == {"id_number", "name"}
    assert ID_NUMBER not in str(posted)
    assert "林秀英" not in str(posted)
