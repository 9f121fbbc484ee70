"""Whoever held the global stamp permission keeps the seal of their own bureau, now granted per bureau
(印章保管, ``SealCustody``)."""

from django.db import migrations
from django.db.models import Q


def grant_custody(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    User = apps.get_model("portal", "User")
    SealCustody = apps.get_model("portal", "SealCustody")
    bureau_type, _ = ContentType.objects.get_or_create(app_label="portal", model="bureau")
    seal, _ = Permission.objects.get_or_create(
        codename="apply_seal",
        content_type=bureau_type,
        defaults={"name": "保管并使用本局印章（确定类别并盖章）"},
    )
    stamp = Permission.objects.filter(
        codename="stamp_decision", content_type__app_label="appraisal"
    ).first()
    if stamp is None:
        return
    holders = User.objects.filter(
        Q(user_permissions=stamp) | Q(groups__permissions=stamp), bureau__isnull=False
    ).distinct()
    for user in holders:
        SealCustody.objects.get_or_create(
            user=user, permission=seal, content_object_id=user.bureau_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_alter_bureau_options_sealcustody"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_custody, migrations.RunPython.noop)]
