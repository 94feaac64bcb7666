# The lottery's priority inputs (tier, target group) are decided by the draw, not when
# applying; applications remember whether a lottery decides them, so the database can hold
# one lottery choice per rank.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("enrollment", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="by_lottery",
            field=models.BooleanField(default=False, verbose_name="by lottery"),
        ),
        migrations.AlterField(
            model_name="application",
            name="in_target_group",
            field=models.BooleanField(blank=True, null=True, verbose_name="in a target group"),
        ),
        migrations.AlterField(
            model_name="application",
            name="tier",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(0, "First-time learner"), (1, "Returning learner")],
                null=True,
                verbose_name="priority tier",
            ),
        ),
    ]
