"""A seat's reply deadline says on what basis it was counted, instead of a yes/no flag."""

from django.db import migrations, models


def basis_from_flag(apps, schema_editor):
    """A flagged deadline was counted on weekends only (recounted by ``manage.py daily``); an
    exact one on the admin's entry for its year if there is one, else on the bundled calendar."""
    Seat = apps.get_model("appraisal", "Seat")
    HolidayCalendarYear = apps.get_model("appraisal", "HolidayCalendarYear")
    entered = set(HolidayCalendarYear.objects.values_list("year", flat=True))
    Seat.objects.filter(reply_by_exact=False).update(reply_by_basis="weekends")
    for year in entered:
        Seat.objects.filter(reply_by_exact=True, reply_by__year=year).update(
            reply_by_basis="entered"
        )


def flag_from_basis(apps, schema_editor):
    Seat = apps.get_model("appraisal", "Seat")
    Seat.objects.exclude(reply_by_basis__in=["official", "entered"]).update(reply_by_exact=False)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0015_alter_decision_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="seat",
            name="reply_by_basis",
            field=models.CharField(
                choices=[
                    ("official", "按国务院办公厅公布的放假安排计算"),
                    ("entered", "按管理员录入的放假安排计算"),
                    ("statutory", "按法定节假日计算，调休上班日尚未公布"),
                    ("weekends", "节假日数据未覆盖该年份，仅按周末计算"),
                ],
                default="official",
                max_length=12,
                verbose_name="答复期限的计算依据",
            ),
        ),
        migrations.RunPython(basis_from_flag, flag_from_basis),
        migrations.RemoveField(model_name="seat", name="reply_by_exact"),
    ]
