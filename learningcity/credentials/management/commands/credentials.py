"""`learningcity credentials verify FILE [--docs DIR]` and
`learningcity credentials export --out DIR [--learner ACCOUNT] [--limit N]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.core import clock
from learningcity.credentials import proofs, selectors, verification


def _documents(folder: Path) -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            docs[document["id"]] = document
    return docs


class Command(BaseCommand):
    help = "Verify a credential offline, or export credentials with what verifies them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="Verify one credential file.")
        check.add_argument("file", type=Path)
        check.add_argument(
            "--docs",
            type=Path,
            help="A folder of issuer and status-list documents (as written by export); "
            "without it the platform's own database supplies them.",
        )
        export = sub.add_parser("export", help="Write credentials and the documents they need.")
        export.add_argument("--out", type=Path, required=True)
        export.add_argument(
            "--learner", default="", help="Credit-bank account number or learner public id"
        )
        export.add_argument("--limit", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options["file"], options.get("docs"))
        else:
            self._export(options["out"], options["learner"], options["limit"])

    def _verify(self, file: Path, docs: Path | None) -> None:
        try:
            document = proofs.loads(file.read_bytes())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        if docs is not None:
            loader = proofs.DocumentLoader(_documents(docs))
        else:
            loader = proofs.DocumentLoader(fallback=selectors.platform_document)
        result = verification.verify(document, loader=loader, now=clock.now())
        for check in result.checks:
            mark = "ok  " if check.passed else "FAIL"
            reason = "" if check.passed else f" [{check.code}] {check.detail}"
            self.stdout.write(f"{mark} {check.name}{reason}")
        self.stdout.write(
            f"issuer: {result.issuer_name or result.issuer_id}\n"
            f"subject: {result.subject_name or result.subject_id}\nname: {result.name}"
        )
        if not result.valid:
            raise CommandError("NOT VALID: " + ", ".join(result.reasons))
        self.stdout.write(self.style.SUCCESS("VALID"))

    def _export(self, out: Path, learner: str, limit: int | None) -> None:
        learner_id: Any = None
        if learner:
            learner_id = _learner_public_id(learner)
        credentials = selectors.credential_list(learner_public_id=learner_id, limit=limit)
        files = selectors.export_files(credentials)
        for relative, text in files.items():
            path = out / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.stdout.write(
            f"{len(credentials)} credentials and {len(files) - len(credentials)} documents in {out}"
        )


def _learner_public_id(value: str) -> Any:
    """A learner's public id, or the learner behind a credit-bank account number. The
    account lives in a higher layer, so it is looked up through the app registry."""
    import uuid

    from django.apps import apps

    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    account_model = apps.get_model("creditbank", "Account")
    account = account_model.objects.filter(number=value.upper()).select_related("learner").first()
    if account is None:
        raise CommandError(f"No account {value}.")
    return account.learner.public_id
