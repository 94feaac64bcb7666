"""The target groups' rules, as data: what makes a resident part of each, the evidence the town
office checks, and how long a verification lasts."""

from django.db import migrations

RULES = [
    (
        "aged",
        "年满60周岁的本市常住居民（按出生日期自动认定）",
        "Residents aged 60 or over (from the date of birth, automatically)",
        "居民身份证（出生日期）",
        "Resident identity card (date of birth)",
        True,
        None,
    ),
    (
        "disabled",
        "持有残疾人证的居民",
        "Residents holding a disability certificate",
        "中华人民共和国残疾人证（类别、等级、证号）",
        "Disability certificate of the PRC (category, grade, number)",
        False,
        60,
    ),
    (
        "laid_off",
        "在人力资源和社会保障部门办理失业登记的居民",
        "Residents registered as unemployed with the human resources and social security bureau",
        "就业失业登记证",
        "Employment and unemployment registration card",
        False,
        12,
    ),
    (
        "migrant",
        "非本市户籍、在本市就业并办理居住登记的劳动者",
        "Workers with a non-local household registration who are employed here and hold a residence permit",
        "居住证和劳动合同或社保缴纳记录",
        "Residence permit and a labour contract or social-insurance record",
        False,
        12,
    ),
    (
        "resident",
        "所有登记在册的居民",
        "Every registered resident",
        "",
        "",
        True,
        None,
    ),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("funding", "TargetGroupRule")
    for group, rule_zh, rule_en, evidence_zh, evidence_en, derived, months in RULES:
        Rule.objects.update_or_create(
            group=group,
            defaults={
                "rule_zh": rule_zh,
                "rule_en": rule_en,
                "evidence_zh": evidence_zh,
                "evidence_en": evidence_en,
                "derived": derived,
                "verified_by": "" if derived else "town_office",
                "validity_months": months,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("funding", "TargetGroupRule").objects.filter(
        group__in=[r[0] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
