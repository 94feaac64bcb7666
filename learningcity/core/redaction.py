"""No personal data in logs or error reports: national ID numbers, mobile numbers and e-mail
addresses are masked in every log line, and error reports never show what a form posted."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# An 18-character resident ID (GB 11643), a mainland mobile number, an e-mail address; each
# standing alone (not inside a longer run of digits such as a UUID's or a timestamp's).
PATTERNS = (
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id number]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[phone]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-mail]"),
)


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record's message, arguments included, and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports (mailed or shown) leave out every posted value, not only passwords."""

    def get_post_parameters(self, request: Any) -> Any:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, self.cleansed_substitute)
            for name, _value in super().get_traceback_frame_variables(request, tb_frame)
        ]
