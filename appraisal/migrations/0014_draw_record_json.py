"""A draw's candidates, order and filters are kept as the JSON text written (PostgreSQL ``json``,
not ``jsonb``: see ``RecordJSONField``). Changing a column's type may drop its compression
setting, so lz4 is set again (migration 0013)."""

import importlib

import appraisal.panel.algorithm
import appraisal.models.draw
from django.db import migrations

use_lz4 = importlib.import_module("appraisal.migrations.0013_draw_lz4").use_lz4


class Migration(migrations.Migration):

    dependencies = [
        ('appraisal', '0013_draw_lz4'),
    ]

    operations = [
        migrations.AlterField(
            model_name='draw',
            name='candidates',
            field=appraisal.models.draw.RecordJSONField(encoder=appraisal.panel.algorithm.RowsEncoder, verbose_name='候选专家（规范顺序）'),
        ),
        migrations.AlterField(
            model_name='draw',
            name='filters',
            field=appraisal.models.draw.RecordJSONField(default=list, verbose_name='筛选记录'),
        ),
        migrations.AlterField(
            model_name='draw',
            name='order',
            field=appraisal.models.draw.RecordJSONField(verbose_name='随机排序结果'),
        ),
        migrations.RunPython(use_lz4, migrations.RunPython.noop),
    ]
