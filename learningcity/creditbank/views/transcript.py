"""Transcripts: the learner's own in HTML, PDF and JSON, and the same transcript behind a share
link (HTML and PDF) for whoever holds the link, until it expires. All in the active language.

The PDF uses reportlab's built-in Chinese font (STSong-Light, a CID font every PDF reader
has), so nothing is downloaded and no font file ships."""

from __future__ import annotations

import functools
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learningcity.core.errors import NotFound
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import CreditCategory
from learningcity.creditbank.models import Account
from learningcity.creditbank.selectors import Transcript
from learningcity.creditbank.views import balance_context, credits, explain
from learningcity.creditbank.views.resident import _own_account

PDF_FONT = "STSong-Light"


def _category(value: str) -> str:
    return str(CreditCategory(value).label) if value in CreditCategory.values else value


def _date(value: Any) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _issued(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _context(t: Transcript) -> dict[str, Any]:
    return {
        "t": t,
        "account": t.account,
        **balance_context(t.balances, t.by_category),
        "record_rows": [(r, explain(r.recognition_note).standard) for r in t.records],
    }


# The learner's own -----------------------------------------------------------------------------


@login_required
@require_safe
def transcript(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    context = {**_context(selectors.transcript(account)), "owner": True}
    return render(request, "creditbank/transcript.html", context)


@login_required
@require_safe
def transcript_pdf(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    return _pdf_response(selectors.transcript(account))


@login_required
@require_safe
def transcript_json(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    response = JsonResponse(
        transcript_document(selectors.transcript(account)),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="transcript-{account.number}.json"'
    return response


def transcript_document(t: Transcript) -> dict[str, Any]:
    """The transcript as a plain JSON document. Credits are strings of decimals, never
    floats; labels are in the active language beside the stable codes."""
    return {
        "account_number": t.account.number,
        "learner_name": t.learner_name,
        "issued_at": t.issued_at.isoformat(),
        "language": get_language(),
        "total_credits": str(credits(t.total)),
        "balances": [
            {
                "category": b.category,
                "category_label": _category(b.category),
                "level": b.level,
                "credits": str(credits(b.credits)),
            }
            for b in t.balances
        ],
        "records": [
            {
                "id": str(r.public_id),
                "title": r.title,
                "category": r.category,
                "category_label": _category(r.category),
                "provider": r.provider_name,
                "completed_on": r.completed_on.isoformat(),
                "hours": str(r.hours),
                "credits": str(r.credits),
                "standard": explain(r.recognition_note).standard,
                "status": "verified",  # a transcript lists verified records only
            }
            for r in t.records
        ],
        "conversions": [
            {
                "program_code": c.program_course.program.code,
                "program": c.program_course.program.name,
                "course_code": c.program_course.code,
                "course": c.program_course.name,
                "credits": str(c.credits),
                "from_record": c.record.title,
            }
            for c in t.conversions
        ],
    }


# Shared by link --------------------------------------------------------------------------------


def _shared_account(request: HttpRequest, token: str) -> Account | HttpResponse:
    try:
        return services.share_resolve(token)
    except NotFound:
        return render(request, "creditbank/share_gone.html", status=404)


def _private(response: HttpResponse) -> HttpResponse:
    # The link is the key: keep the page out of shared caches and search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def shared(request: HttpRequest, token: str) -> HttpResponse:
    account = _shared_account(request, token)
    if isinstance(account, HttpResponse):
        return _private(account)
    context = {
        **_context(selectors.transcript(account)),
        "owner": False,
        "pdf_url": reverse("creditbank:shared_pdf", args=[token]),
    }
    return _private(render(request, "creditbank/transcript.html", context))


@require_safe
def shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    account = _shared_account(request, token)
    if isinstance(account, HttpResponse):
        return _private(account)
    return _private(_pdf_response(selectors.transcript(account)))


# PDF -------------------------------------------------------------------------------------------


@functools.cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _pdf_response(t: Transcript) -> HttpResponse:
    response = HttpResponse(transcript_pdf_bytes(t), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transcript-{t.account.number}.pdf"'
    return response


def transcript_pdf_bytes(t: Transcript) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import Flowable

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    heading = ParagraphStyle("h2", parent=body, fontSize=13, leading=18, spaceBefore=8)
    title = ParagraphStyle("h1", parent=body, fontSize=18, leading=24, spaceAfter=6)

    def p(text: Any, style: ParagraphStyle = cell) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(text)), style)

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        data = [[p(h) for h in header], *[[p(v) for v in row] for row in rows]]
        grid = Table(data, colWidths=widths, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8a8a")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return grid

    width = A4[0] - 30 * mm
    story: list[Flowable] = [
        p(_("Learning Credit Bank transcript"), title),
        p(_("Learner: %(name)s") % {"name": t.learner_name}, body),
        p(_("Account number: %(number)s") % {"number": t.account.number}, body),
        p(_("Issued: %(time)s (Beijing time)") % {"time": _issued(t.issued_at)}, body),
        p(_("Total credits: %(total)s") % {"total": credits(t.total)}, body),
        Spacer(1, 4 * mm),
        p(_("Credits by category and level"), heading),
    ]
    if t.balances:
        story.append(
            table(
                [_("Category"), _("Credit level"), _("Credits")],
                [[_category(b.category), b.level, credits(b.credits)] for b in t.balances],
                [width * 0.6, width * 0.2, width * 0.2],
            )
        )
    else:
        story.append(p(_("No credits yet."), body))
    story.append(p(_("Verified learning records"), heading))
    if t.records:
        story.append(
            table(
                [_("Date"), _("Learning"), _("Provider"), _("Hours"), _("Credits")],
                [
                    [_date(r.completed_on), r.title, r.provider_name, r.hours, r.credits]
                    for r in t.records
                ],
                [width * 0.16, width * 0.34, width * 0.3, width * 0.1, width * 0.1],
            )
        )
    else:
        story.append(p(_("No verified records yet."), body))
    story.append(p(_("Credits converted toward programs"), heading))
    if t.conversions:
        story.append(
            table(
                [_("Program"), _("Course"), _("Credits"), _("From")],
                [
                    [
                        c.program_course.program.name,
                        f"{c.program_course.code} {c.program_course.name}",
                        c.credits,
                        c.record.title,
                    ]
                    for c in t.conversions
                ],
                [width * 0.3, width * 0.3, width * 0.1, width * 0.3],
            )
        )
    else:
        story.append(p(_("No conversions yet."), body))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Transcript of %(name)s") % {"name": t.learner_name},
        author=_("Learning Credit Bank"),
        lang=get_language() or "zh-hans",
    )
    doc.build(story)
    return buffer.getvalue()
