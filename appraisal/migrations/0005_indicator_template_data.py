"""The first published version of the indicators (附件1), from fixtures/indicators.json.

Loaded here rather than by the demo so that every installation starts with the template the
review sheets are filled on; later versions are made in the admin. Another prefecture replaces
the fixture file before its first migrate, or publishes its own version in the admin.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils.dateparse import parse_datetime

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "indicators.json"


def load(apps, schema_editor):
    Template = apps.get_model("appraisal", "IndicatorTemplate")
    Dimension = apps.get_model("appraisal", "IndicatorDimension")
    Sign = apps.get_model("appraisal", "IndicatorSign")
    if Template.objects.exists():
        return
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    templates, dimensions = {}, {}
    for row in rows:
        model, f = row["model"], dict(row["fields"])
        if model == "appraisal.indicatortemplate":
            for key in ("published_at", "created_at"):
                if f.get(key):
                    f[key] = parse_datetime(f[key])
            f.pop("derived_from", None)
            templates[row["pk"]] = Template.objects.create(**f)
        elif model == "appraisal.indicatordimension":
            f["template"] = templates[f["template"]]
            dimensions[row["pk"]] = Dimension.objects.create(**f)
        elif model == "appraisal.indicatorsign":
            f["dimension"] = dimensions[f["dimension"]]
            Sign.objects.create(**f)


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0004_indicators_seals_signed_documents")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
