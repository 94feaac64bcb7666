"""`learningcity audit verify [--head SEQUENCE:DIGEST] [--no-seal]` and `learningcity audit
seal`: check the audit log's hash chain, or seal the entries waiting for it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.core import auditlog
from learningcity.core.services import audit_seal


class Command(BaseCommand):
    help = (
        "verify: seal the entries committed since the last seal, then recompute the whole "
        "hash chain of the audit log and fail, naming the first broken position, if an "
        "entry was changed, deleted or inserted behind the sealer's back. --head checks "
        "that a head printed by an earlier run is still in the chain. "
        "seal: only seal the waiting entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument(
            "--head",
            help="SEQUENCE:DIGEST of a head recorded earlier, which must still be in the chain",
        )
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only what is sealed already"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        if options["action"] == "seal":
            self.stdout.write(f"Sealed {audit_seal(using=using):,} entries.")
            return
        head = _head(options["head"]) if options["head"] else None
        started = time.perf_counter()
        newly = 0 if options["no_seal"] else audit_seal(using=using)
        verdict = auditlog.verify(using=using, head=head)
        seconds = time.perf_counter() - started
        if not auditlog.guard_installed(using=using):
            self.stderr.write(
                "Warning: the audit log's append-only triggers are missing "
                "(see migration core 0003)."
            )
        counts = (
            f"{verdict.sealed:,} entries sealed ({newly:,} just now), {verdict.unsealed:,} unsealed"
        )
        if not verdict.intact:
            raise CommandError(
                f"Audit chain BROKEN at position {verdict.broken_at}: {verdict.problem}. "
                f"{counts}; the chain holds up to position {verdict.head_sequence}."
            )
        self.stdout.write(
            f"Audit chain intact: {counts}, checked in {seconds:.1f} s. "
            f"Head {verdict.head_sequence}:{verdict.head_digest}"
        )


def _head(text: str) -> tuple[int, str]:
    sequence, _sep, digest = text.partition(":")
    if not sequence.isdigit() or len(digest) != 64:
        raise CommandError("--head takes SEQUENCE:DIGEST as printed by an earlier verify.")
    return int(sequence), digest.lower()
