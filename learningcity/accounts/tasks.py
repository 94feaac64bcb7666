"""Background work for accounts: e-mail that must not make a request's timing tell anything."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: str) -> None:
    send_mail(subject, body, None, [to])
