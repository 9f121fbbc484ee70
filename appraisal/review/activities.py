"""The round's activity records (guide 七(三), 八): the opening meeting, written review, site
visit, class observation and interview, recorded by a clerk of the round's bureau."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import audit
from appraisal.filing.uploads import check_upload
from appraisal.models import ActivityFile, ReviewActivity
from appraisal.review.rounds import lock_round
from appraisal.workflow import policy
from appraisal.workflow.states import RECORDING
from appraisal.workflow.transitions import log_step
from audit.models import Action
from common.errors import ServiceError
from common.limits import SHORT_MAX, within
from common.text import cn_date

NO_MEETING = (
    "本轮尚未记录鉴定会（政策培训）：依指南七（三），专家组开展鉴定须召开鉴定会进行政策培训。"
    "请先在“鉴定活动记录”中登记鉴定会，再确定类别并盖章。"
)


def held_meeting(round) -> bool:
    """Whether the round's opening meeting with its policy briefing (guide 七(三)) is recorded."""
    return round.activities.filter(kind=ReviewActivity.Kind.OPENING_MEETING).exists()


def recordable_kinds(case, round) -> list[str]:
    """The kinds of activity the round's bureau may record now: any while the panel forms and
    reviews; once every member signed, only an opening meeting that was held but not entered
    (the seal waits for it); none after that."""
    if case.state in RECORDING:
        return list(ReviewActivity.Kind.values)
    if policy.meeting_recordable(case):
        return [ReviewActivity.Kind.OPENING_MEETING]
    return []


def record_activity(
    user, round, *, kind, date, place, attendees, findings="", files=(), ip=None
) -> ReviewActivity:
    """记录鉴定活动 (guide 八): the opening meeting, written review, site visit, class observation or
    interview, with its date, place, attendees, findings and files. By staff of the round's bureau."""
    if kind not in ReviewActivity.Kind.values:
        raise ServiceError("请选择活动类别。")
    if date is None:
        raise ServiceError("请填写活动日期。")
    place, attendees, findings = (place or "").strip(), (attendees or "").strip(), findings or ""
    if not place or not attendees:
        raise ServiceError("请填写活动地点和参加人员。")
    checked = []
    for uploaded in files or ():
        try:
            checked.append((uploaded, check_upload(uploaded)))
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from None
    stored = []
    with transaction.atomic():
        case, round = lock_round(round)
        policy.check(user, case, "record_activity")
        if kind not in recordable_kinds(case, round):
            raise ServiceError(policy.recording_refusal(case))
        if date > timezone.localdate():
            raise ServiceError("活动日期不能晚于今天。")
        opened = timezone.localdate(round.opened_at)
        if date < opened:  # the round began with the acceptance (or the re-review's forwarding)
            raise ServiceError(f"活动日期不能早于本轮鉴定开始之日（{opened:%Y年%m月%d日}）。")
        activity = ReviewActivity.objects.create(
            round=round,
            kind=kind,
            date=date,
            place=within(place, SHORT_MAX, "地点"),
            attendees=attendees,
            findings=findings.strip(),
            recorded_by=user,
        )
        try:
            for uploaded, info in checked:
                f = ActivityFile(
                    activity=activity,
                    original_name=(uploaded.name or "未命名文件")[-255:],
                    content_type=info.content_type,
                    size=info.size,
                    sha256=info.sha256,
                    uploaded_by=user,
                )
                f.file.save(f.original_name, uploaded, save=False)
                stored.append(f.file.name)
                f.save()
                audit.record(user, Action.MATERIAL_UPLOAD, f, sha256=f.sha256, size=f.size)
            log_step(
                case,
                "record_activity",
                user,
                note=f"{activity.get_kind_display()}（{cn_date(date)}，{activity.place}）",
                data={"activity": activity.pk, "files": len(checked)},
                ip=ip,
            )
        except Exception:
            for name in stored:
                ActivityFile._meta.get_field("file").storage.delete(name)
            raise
    return activity
