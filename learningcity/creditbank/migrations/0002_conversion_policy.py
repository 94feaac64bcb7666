"""The hard conversion rules, as data: degree credits convert directly, vocational and
digital credits only through listed equivalences, culture and leisure and activities never."""

from django.db import migrations

POLICY = {
    "degree": "direct",
    "vocational": "via_equivalence",
    "digital": "via_equivalence",
    "culture_leisure": "never",
    "activity": "never",
}


def seed(apps, schema_editor):
    ConversionPolicy = apps.get_model("creditbank", "ConversionPolicy")
    for category, rule in POLICY.items():
        ConversionPolicy.objects.update_or_create(
            category=category, defaults={"convertibility": rule}
        )


def unseed(apps, schema_editor):
    apps.get_model("creditbank", "ConversionPolicy").objects.filter(
        category__in=list(POLICY)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
