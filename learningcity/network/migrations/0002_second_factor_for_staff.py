"""Staff who can change anything, and platform administrators, now log in with a one-time code
too: mark the logins that already hold such roles."""

from django.db import migrations

# The roles of network.choices.SECOND_FACTOR_ROLES when this migration was written.
CHANGING_ROLES = ["admin", "registrar", "assessor", "finance_officer"]


def mark(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    StaffRole = apps.get_model("network", "StaffRole")
    holders = StaffRole.objects.filter(role__in=CHANGING_ROLES).values("user_id")
    User.objects.filter(pk__in=holders).update(requires_second_factor=True)
    User.objects.filter(is_superuser=True).update(requires_second_factor=True)


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
        ("accounts", "0003_second_factor"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
