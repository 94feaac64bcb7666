"""What the platform keeps, and for how long: run daily (cron or the task worker's host)."""

import datetime as dt
import io
from typing import Any

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q

from learningcity.accounts.models import LoginThrottle
from learningcity.core import clock
from learningcity.core.models import IdempotencyRecord
from learningcity.core.services import audit_record

# Idempotency keys answer retries: a client retries within minutes, a queued phone within
# days; a month covers both with room to spare.
IDEMPOTENCY_DAYS = 30
# Failed-login counts are only for the lockout; a day after the last lock ends they go.
THROTTLE_DAYS = 1
# Finished background tasks (their arguments may name learners) are kept two weeks for
# diagnosis; failed ones a quarter.
TASK_DAYS = 14
FAILED_TASK_DAYS = 90


class Command(BaseCommand):
    help = (
        "Delete what the retention rules say is no longer needed: expired sessions, old "
        "idempotency keys, spent login throttles, finished background tasks. The audit log, "
        "the ledgers and learning records are permanent and never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        plan = {
            "sessions": Session.objects.filter(expire_date__lt=now),
            "idempotency_keys": IdempotencyRecord.objects.filter(
                created_at__lt=now - dt.timedelta(days=IDEMPOTENCY_DAYS)
            ),
            "login_throttles": LoginThrottle.objects.filter(
                Q(locked_until__isnull=True) | Q(locked_until__lt=now - dt.timedelta(days=1)),
                Q(first_failure_at__isnull=True)
                | Q(first_failure_at__lt=now - dt.timedelta(days=THROTTLE_DAYS)),
            ),
        }
        counts = {name: query.count() for name, query in plan.items()}
        if not options["dry_run"]:
            with transaction.atomic():
                for query in plan.values():
                    query.delete()
                audit_record(actor=None, action="retention.run", subject="platform", data=counts)
            call_command(
                "prune_db_task_results",
                min_age_days=TASK_DAYS,
                failed_min_age_days=FAILED_TASK_DAYS,
                stdout=io.StringIO(),
            )
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}{' (dry run)' if options['dry_run'] else ''}")
