"""`learningcity xapi credentials create --provider CODE [--name NAME] [--actor USERNAME]`
prints {"key": ..., "secret": ...}; `learningcity xapi credentials revoke KEY`;
`learningcity xapi credit [--provider CODE]` reads waiting completions into the credit bank
(what the background task does); `learningcity xapi demo --seed N --scale S` loads the demo's
platform and statements."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import User
from learningcity.core.actors import PLATFORM
from learningcity.core.errors import DomainError
from learningcity.network.models import Organization
from learningcity.xapi import services
from learningcity.xapi.choices import CreditOutcome
from learningcity.xapi.management.commands._demo import seed_demo
from learningcity.xapi.models import Credential, Statement


class Command(BaseCommand):
    help = "xAPI learning record store: provider credentials and the credit-bank reader."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        credentials = groups.add_parser("credentials", help="issue or revoke credentials")
        actions = credentials.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help='print {"key": ..., "secret": ...}')
        create.add_argument("--provider", required=True, help="the provider's organization code")
        create.add_argument("--name", default="xAPI client", help="the system's name")
        create.add_argument(
            "--actor",
            help="issue as this user (records are then submitted as them); default: the platform",
        )
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument("key")
        credit = groups.add_parser("credit", help="read waiting completions into the credit bank")
        credit.add_argument("--provider", help="only this provider's statements")
        demo = groups.add_parser("demo", help="the demo school's platform and statements")
        demo.add_argument("--seed", type=int, default=1)
        demo.add_argument("--scale", type=float, default=0.1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["group"] == "credit":
                self._credit(options.get("provider"))
            elif options["group"] == "demo":
                counts = seed_demo(seed=options["seed"], scale=options["scale"])
                self.stdout.write(json.dumps(counts))
            elif options["action"] == "create":
                self._create(options)
            else:
                credential = Credential.objects.filter(key=options["key"]).first()
                if credential is None:
                    raise CommandError(f"No credential with key {options['key']!r}.")
                services.credential_revoke(actor=PLATFORM, public_id=credential.public_id)
                self.stdout.write(json.dumps({"key": credential.key, "revoked": True}))
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _actor(self, username: str | None) -> Any:
        if not username:
            return PLATFORM
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        provider = Organization.objects.filter(code=options["provider"]).first()
        if provider is None:
            raise CommandError(f"No organization with code {options['provider']!r}.")
        issued = services.credential_create(
            actor=self._actor(options.get("actor")), provider=provider, name=options["name"]
        )
        self.stdout.write(json.dumps({"key": issued.key, "secret": issued.secret}))

    def _credit(self, code: str | None) -> None:
        waiting = Statement.objects.filter(
            credit_outcome__in=[CreditOutcome.PENDING, CreditOutcome.VOID_PENDING]
        )
        if code:
            waiting = waiting.filter(provider__code=code)
        done = 0
        for provider_id in sorted(set(waiting.values_list("provider_id", flat=True))):
            done += services.statements_credit(provider_id=provider_id)
        self.stdout.write(json.dumps({"statements": done}))
