"""`learningcity search-reindex`: rebuild the catalog's search documents from scratch."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from learningcity.catalog.services import search_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the search index of courses, classes and resources (after a change of the "
        "segmentation dictionary, or a restore). One transaction: searches keep working."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = search_reindex(actor=None)
        self.stdout.write(f"Indexed {count:,} documents in {time.perf_counter() - started:.1f} s.")
