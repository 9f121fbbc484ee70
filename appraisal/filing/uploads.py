"""Checking an uploaded file before it is kept: type by content, size, and its SHA-256."""

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

# Accepted types, by what the bytes say (guide 七(二): documents, images, and class recordings).
ALLOWED = {
    "application/pdf": "PDF 文档",
    "application/msword": "Word 文档",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
    "application/vnd.ms-excel": "Excel 表格",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格",
    "image/jpeg": "图片",
    "image/png": "图片",
    "image/gif": "图片",
    "image/webp": "图片",
    "image/bmp": "图片",
    "image/tiff": "图片",
    "video/mp4": "视频",
    "video/quicktime": "视频",
    "video/x-msvideo": "视频",
    "video/x-matroska": "视频",
    "video/webm": "视频",
    "video/x-ms-wmv": "视频",
    "video/mpeg": "视频",
    "video/x-flv": "视频",
    "video/x-m4v": "视频",
}

ACCEPT_HINT = "PDF、Word、Excel、图片（JPG、PNG 等）或视频（MP4 等）"

# The extensions a name may end with for each type the bytes show: a file is listed and
# downloaded under its name, so a PDF called .docx would open in the wrong program. Containers
# that the sniffing cannot always tell apart (ISO media, Matroska) accept each other's names.
_ISO_MEDIA = {"mp4", "m4v", "mov"}
_MATROSKA = {"mkv", "webm"}
EXTENSIONS = {
    "application/pdf": {"pdf"},
    "application/msword": {"doc"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.ms-excel": {"xls"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "image/bmp": {"bmp", "dib"},
    "image/tiff": {"tif", "tiff"},
    "video/mp4": _ISO_MEDIA,
    "video/x-m4v": _ISO_MEDIA,
    "video/quicktime": _ISO_MEDIA,
    "video/x-msvideo": {"avi"},
    "video/x-matroska": _MATROSKA,
    "video/webm": _MATROSKA,
    "video/x-ms-wmv": {"wmv", "asf"},
    "video/mpeg": {"mpg", "mpeg", "mpe"},
    "video/x-flv": {"flv"},
}


def extension_problem(name: str, kind) -> str | None:
    """What is wrong with the name's extension for the content's type (``kind``, as
    ``filetype`` guessed it), naming the real type; None if the name fits the content."""
    ext = name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""
    if ext in EXTENSIONS[kind.mime]:
        return None
    real = kind.extension.upper()
    said = f"扩展名为 .{ext}" if ext else "文件名没有扩展名"
    return (
        f"文件“{name}”的内容为 {real}，但{said}，请改正扩展名（应为 .{kind.extension}）后重新上传。"
    )


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def check_upload(uploaded) -> CheckedFile:
    """Refuse an empty, too large or wrongly typed file with a message for the uploader."""
    limit = settings.APPRAISAL_MAX_UPLOAD_BYTES
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(f"文件“{uploaded.name}”为空，请重新选择文件。")
    if size > limit:
        raise ValidationError(too_large_message(uploaded.name, size))
    uploaded.seek(0)
    head = uploaded.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime not in ALLOWED:
        raise ValidationError(
            f"文件“{uploaded.name}”的实际内容不是允许的类型。只接受 {ACCEPT_HINT}；"
            "系统按文件内容而非扩展名识别类型。"
        )
    problem = extension_problem(uploaded.name or "", kind)
    if problem:
        raise ValidationError(problem)
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(content_type=mime, size=size, sha256=digest.hexdigest())


def too_large_message(name, size=None) -> str:
    limit = filesizeformat(settings.APPRAISAL_MAX_UPLOAD_BYTES)
    got = f"（{filesizeformat(size)}）" if size else ""
    return f"文件过大：“{name}”{got}，单个文件不得超过 {limit}。"


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file the moment it passes APPRAISAL_MAX_UPLOAD_BYTES, so that an oversized
    upload never fills the temporary folder; its name is kept in ``request.refused_uploads`` for the
    view's message. First in FILE_UPLOAD_HANDLERS, so it sees every chunk before it is stored."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.APPRAISAL_MAX_UPLOAD_BYTES:
            refused = getattr(self.request, "refused_uploads", [])
            refused.append(self.file_name)
            self.request.refused_uploads = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
