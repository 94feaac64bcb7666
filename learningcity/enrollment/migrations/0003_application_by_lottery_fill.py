# Data: applications to lottery classes are marked as decided by lottery. Backwards, the
# priority inputs the draw has not set yet get their former defaults again.

from django.db import migrations


def mark_lottery_applications(apps, schema_editor):
    Application = apps.get_model("enrollment", "Application")
    Application.objects.filter(klass__rationing="lottery").update(by_lottery=True)


def restore_priority_defaults(apps, schema_editor):
    Application = apps.get_model("enrollment", "Application")
    Application.objects.filter(tier__isnull=True).update(tier=0)
    Application.objects.filter(in_target_group__isnull=True).update(in_target_group=False)


class Migration(migrations.Migration):

    dependencies = [
        ("enrollment", "0002_application_by_lottery_priority_at_draw"),
    ]

    operations = [
        migrations.RunPython(mark_lottery_applications, restore_priority_defaults),
    ]
