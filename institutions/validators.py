"""Validators for institution data (docs/domain.md §申请与受理)."""

import re

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """统一社会信用代码: 18 characters with a check character (GB 32100-2015)."""
    try:
        uscc.validate(value)
    except InvalidLength as exc:
        raise ValidationError("统一社会信用代码应为18位，请核对后重新填写。") from exc
    except InvalidChecksum as exc:
        raise ValidationError("统一社会信用代码校验位不正确，请核对后重新填写。") from exc
    except InvalidFormat as exc:
        raise ValidationError("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）。") from exc
    except StdnumError as exc:
        raise ValidationError("统一社会信用代码无效，请核对后重新填写。") from exc


def validate_phone(value: str) -> None:
    """A mainland mobile number or a landline with area code."""
    compact = (value or "").replace(" ", "")
    if not (MOBILE_RE.match(compact) or LANDLINE_RE.match(compact)):
        raise ValidationError(
            "请填写正确的电话号码：11位手机号码，或带区号的固定电话（如 0994-2345678）。"
        )
