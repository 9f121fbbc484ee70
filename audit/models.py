"""The security audit trail (等保2.0 安全审计): append-only, refused UPDATE/DELETE on PostgreSQL."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from appraisal.workflow.states import STEP_LABELS, CaseState


class Action(models.TextChoices):
    """What happened. Later features add their actions here (one line each)."""

    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKED_OUT = "locked_out", "登录失败次数过多被锁定"
    OTP_ENROLLED = "otp_enrolled", "绑定动态口令"
    OTP_VERIFIED = "otp_verified", "动态口令验证通过"
    OTP_FAILED = "otp_failed", "动态口令验证失败"
    BACKUP_CODES = "backup_codes", "生成备用验证码"
    OTP_RESET = "otp_reset", "停用动态口令（须重新绑定）"
    REAUTH_FAILED = "reauth_failed", "重新验证身份失败"
    TRANSITION = "transition", "案件办理"
    DOCUMENT_ISSUED = "document_issued", "出具文书"
    MATERIAL_UPLOAD = "material_upload", "上传申报材料"
    MATERIAL_DOWNLOAD = "material_download", "下载申报材料"
    DOCUMENT_DOWNLOAD = "document_download", "下载文书"
    DRAW = "draw", "抽取专家"
    DRAW_REFUSED = "draw_refused", "抽取未完成（被拒绝）"
    DRAW_COMMITMENT_REFUSED = (
        "draw_commitment_refused",
        "抽取随机值无效（已用、已放弃或不属于本轮）",
    )
    DRAW_ABANDONED = "draw_abandoned", "抽取页面打开后未抽取（已放弃）"
    SIGNATURE = "signature", "签署"
    STAMP = "stamp", "盖章"
    USER_CREATED = "user_created", "创建账户"
    ROLE_CHANGE = "role_change", "账户角色或权限变更"
    GROUP_CHANGE = "group_change", "账户用户组变更"
    PERMISSION_CHANGE = "permission_change", "权限变更"
    EXPERT_CREATED = "expert_created", "专家入库"
    EXPERT_CHANGED = "expert_changed", "修改专家信息"
    EXPERTS_IMPORTED = "experts_imported", "批量导入专家"
    EXPERT_TIE = "expert_tie", "登记专家关联关系"
    EXPERT_CREDIT = "expert_credit", "记录专家信用管理情况"
    INSTITUTION_CREDIT = "institution_credit", "记录机构信用评价"


class AuditEvent(models.Model):
    """审计记录: who did what to which object, when, from which address. Never changed."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人账户", max_length=150, blank=True)
    # Not declared as choices, so that adding an action is one line in Action, not a migration.
    action = models.CharField("事件", max_length=40, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    bureau = models.ForeignKey(
        "portal.Bureau",
        verbose_name="所属辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["bureau", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action_label}"

    @property
    def action_label(self) -> str:
        try:
            return Action(self.action).label
        except ValueError:
            return self.action

    # The details' keys in words; a key not listed is shown as it is.
    DETAIL_LABELS = {
        "transition": "操作",
        "source": "原状态",
        "target": "新状态",
        "serial": "文号",
        "sha256": "SHA-256",
        "size": "大小",
        "device": "验证方式",
        "devices": "停用的设备数",
        "username": "账户",
        "opinion": "鉴定意见",
        "revision": "版本",
        "round": "轮次",
        "results": "确定类别",
        "changes": "变更",
        "change": "变更",
        "of": "对象",
        "items": "项目",
        "after": "内容",
        "count": "人数",
        "pool": "专家库",
        "institution": "机构",
        "kind": "类别",
        "case_number": "相关案件",
        "witness": "监督人",
        "commitment": "随机值承诺",
        "draw": "抽取记录",
        "reason": "原因",
        "message": "提示",
        "shown_at": "随机值公布时间",
    }
    CHANGES = {"add": "增加", "remove": "移除", "clear": "清空"}
    CATEGORIES = {"academic": "学科类", "non_academic": "非学科类"}

    def details(self) -> list[tuple[str, str]]:
        """The event's details as (label, value) in words: states and operations by their names,
        a file's size in KB, a hash shortened (the full value stays in the record)."""

        def state(value):
            return CaseState(value).label if value in CaseState.values else str(value)

        def shown(key, value):
            if key == "transition":
                return STEP_LABELS.get(value, str(value))
            if key in ("source", "target"):
                return state(value)
            if key == "sha256" and isinstance(value, str):
                return value[:16] + "…"
            if key == "size" and isinstance(value, int):
                return f"{value / 1024:.1f} KB"
            if key == "round":
                return {1: "县（市）鉴定", 2: "州复审"}.get(value, str(value))
            if key == "results" and isinstance(value, dict):
                return "；".join(f"{k}：{self.CATEGORIES.get(v, v)}" for k, v in value.items())
            if key == "change":
                return self.CHANGES.get(value, str(value))
            if key == "changes" and isinstance(value, dict):
                return "；".join(f"{k}：{a} → {b}" for k, (a, b) in value.items())
            if isinstance(value, list):
                return "、".join(str(v) for v in value)
            if isinstance(value, dict):
                return "；".join(f"{k}：{v}" for k, v in value.items())
            return str(value)

        return [(self.DETAIL_LABELS.get(k, k), shown(k, v)) for k, v in (self.data or {}).items()]
