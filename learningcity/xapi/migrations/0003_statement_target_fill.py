"""Fill `target` for the statements stored before it existed: the id of the StatementRef that
is a statement's object."""

import json

from django.db import migrations


def fill(apps, schema_editor):
    Statement = apps.get_model("xapi", "Statement")
    rows = Statement.objects.filter(body__contains='"StatementRef"').only("id", "body")
    changed = []
    for row in rows.iterator(chunk_size=1000):
        obj = json.loads(row.body).get("object", {})
        if obj.get("objectType") == "StatementRef":
            row.target = obj["id"]
            changed.append(row)
    Statement.objects.bulk_update(changed, ["target"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("xapi", "0002_statement_target")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
