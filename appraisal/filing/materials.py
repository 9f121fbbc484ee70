"""Uploading application materials: checked by content, hashed, versioned, never overwritten."""

from django.core.exceptions import ValidationError
from django.db import transaction

import audit
from appraisal.filing.uploads import check_upload
from appraisal.models import Case, Material, MaterialKind
from appraisal.workflow import policy
from audit.models import Action
from common.errors import ServiceError
from common.limits import SHORT_MAX, within


def upload_material(
    user, case_id, *, kind: str, uploaded, replaces_id=None, note: str = ""
) -> Material:
    if kind not in MaterialKind.values:
        raise ServiceError("请选择材料类别。")
    if uploaded is None:
        raise ServiceError("请选择要上传的文件。")
    try:
        checked = check_upload(uploaded)
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from None
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        policy.check(user, case, "upload")
        return store_material(
            user,
            case,
            kind=kind,
            uploaded=uploaded,
            checked=checked,
            replaces_id=replaces_id,
            note=note,
        )


def upload_materials(user, case_id, *, kind: str, files, replaces_id=None, note="") -> list:
    """Several files of one kind at once: each checked as a single upload is, then all stored
    in one transaction, or none (a refusal names the file). A new version replaces one file."""
    if kind not in MaterialKind.values:
        raise ServiceError("请选择材料类别。")
    files = [f for f in files or () if f is not None]
    if not files:
        raise ServiceError("请选择要上传的文件。")
    if replaces_id and len(files) > 1:
        raise ServiceError("上传新版本时只能选择一个文件。")
    checked = []
    for uploaded in files:
        try:
            checked.append((uploaded, check_upload(uploaded)))
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from None
    stored = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            policy.check(user, case, "upload")
            for uploaded, check in checked:
                stored.append(
                    store_material(
                        user,
                        case,
                        kind=kind,
                        uploaded=uploaded,
                        checked=check,
                        replaces_id=replaces_id,
                        note=note,
                    )
                )
    except Exception:
        for material in stored:  # rolled back: their files must not stay behind
            material.file.storage.delete(material.file.name)
        raise
    return stored


def store_material(
    user, case, *, kind, uploaded, checked, replaces_id=None, note="", rereview=None
) -> Material:
    """Save one checked upload as a new material (or a new version of ``replaces_id``), inside the
    caller's transaction, with the case row locked. ``rereview`` ties it to a re-review request."""
    version = 1
    replaces = None
    if replaces_id:
        try:
            replaces = Material.objects.select_for_update().get(
                pk=replaces_id, case=case, rereview=rereview
            )
        except (Material.DoesNotExist, ValueError):
            raise ServiceError("要替换的文件不存在。") from None
        if not replaces.is_current:
            raise ServiceError("该文件已有更新的版本，请在最新版本上上传。")
        if replaces.kind != kind:
            raise ServiceError("新版本须与原文件属于同一材料类别。")
        version = replaces.version + 1
    material = Material(
        case=case,
        kind=kind,
        version=version,
        replaces=replaces,
        rereview=rereview,
        original_name=(uploaded.name or "未命名文件")[-255:],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        note=within(note, SHORT_MAX, "说明"),
        uploaded_by=user,
    )
    material.file.save(material.original_name, uploaded, save=False)
    try:
        material.save()
        audit.record(
            user, Action.MATERIAL_UPLOAD, material, sha256=material.sha256, size=material.size
        )
    except Exception:
        material.file.storage.delete(material.file.name)
        raise
    return material
