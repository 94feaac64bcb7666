from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import SecondFactor
from learningcity.accounts.services import SECOND_FACTOR_CONTEXT
from learningcity.core import clock, crypto, totp


class Command(BaseCommand):
    help = (
        "Print the one-time code a demo login's authenticator app would show now (the demo "
        "and development only: refused with production keys)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.LEARNINGCITY_DEV_KEYS_OK):
            raise CommandError("Only in the demo: in production, codes come from people's phones.")
        device = SecondFactor.objects.filter(user__username=options["username"]).first()
        if device is None:
            raise CommandError(f"{options['username']!r} has no authenticator app set up.")
        secret = crypto.decrypt(device.secret_encrypted, context=SECOND_FACTOR_CONTEXT)
        now = totp.step_at(clock.now())
        step = max(now, device.last_step + 1)
        self.stdout.write(totp.code_at(secret, step))
