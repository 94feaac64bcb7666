from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import User
from learningcity.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Issue a bearer token for USERNAME; the token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="system")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        issued = api_token_create(actor=None, user=user, name=options["name"])
        self.stdout.write(issued.plaintext)
