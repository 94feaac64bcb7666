from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("enrollment", "0003_application_by_lottery_fill"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("by_lottery", True),
                    ("status__in", ["applied", "offered", "waitlisted", "accepted", "enrolled"]),
                ),
                fields=("learner", "term", "rank"),
                name="application_one_lottery_choice_per_rank",
            ),
        ),
    ]
