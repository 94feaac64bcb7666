from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import TokenScope, User
from learningcity.accounts.services import TOKEN_DAYS, api_token_create


class Command(BaseCommand):
    help = "Issue a bearer token for USERNAME; the token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="system")
        parser.add_argument(
            "--scope", choices=[s.value for s in TokenScope], default=TokenScope.WRITE.value
        )
        parser.add_argument(
            "--days", type=int, default=TOKEN_DAYS, help="days until it expires (0: never)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        issued = api_token_create(
            actor=None,
            user=user,
            name=options["name"],
            scope=options["scope"],
            days=options["days"] or None,
        )
        self.stdout.write(issued.plaintext)
