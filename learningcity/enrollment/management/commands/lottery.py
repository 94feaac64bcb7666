"""`learningcity lottery verify TERM-OR-CLASS [--file PUBLISHED.json]`: recompute a draw."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.catalog.models import Class, Term
from learningcity.core import lottery
from learningcity.enrollment.models import Draw
from learningcity.enrollment.selectors import draw_publication


class Command(BaseCommand):
    help = (
        "Recompute a term's lottery from its published data (seed, commitment, seats and "
        "every entry) and report whether every result matches. Give a term code or a "
        "class id (its term's draw is checked), or --file with a publication downloaded "
        "from /api/v1/draws/<term>."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("target", nargs="?", help="term code or class id")
        parser.add_argument("--file", help="a publication JSON file, checked without the DB")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            with open(options["file"], encoding="utf-8") as handle:
                publication = json.load(handle)
        else:
            publication = draw_publication(draw=self._draw(options["target"]))
        problems = lottery.verify_publication(publication)
        entries = len(publication.get("entries", []))
        if problems:
            for problem in problems[:50]:
                self.stderr.write(problem)
            raise CommandError(
                f"Draw of term {publication.get('term')} does NOT verify: "
                f"{len(problems)} problem(s) in {entries} entries."
            )
        offered = sum(1 for e in publication["entries"] if e["offered"])
        self.stdout.write(
            f"Draw of term {publication['term']} verifies: commitment matches the seed, "
            f"{entries} entries recomputed identically ({offered} offered)."
        )

    def _draw(self, target: str | None) -> Draw:
        if not target:
            raise CommandError("Give a term code or a class id, or --file.")
        term = Term.objects.filter(code=target).first()
        if term is None:
            klass = Class.objects.filter(public_id=target).first() if _is_uuid(target) else None
            if klass is None:
                raise CommandError(f"No term or class {target!r}.")
            term = klass.term
        draw = Draw.objects.filter(term=term).first()
        if draw is None:
            raise CommandError(f"Term {term.code} has no draw.")
        return draw


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
