"""Why a photo was refused: one exception class per reason.

`code` is a stable machine string, `message` the text shown to the resident (Simplified Chinese). `detail` is
for logs only: it may contain library error text and is never meant for the client. This library knows no
HTTP: the API maps each class to its status (service_api/photos.py).
"""

from __future__ import annotations


class PhotoError(Exception):
    """Base of every refusal `process_photo` can raise."""

    code: str = "bad_photo"
    default_message: str = "照片无法处理，请重新拍摄或选择其他照片。"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message)

    def to_dict(self) -> dict[str, object]:
        """What a caller may show of this refusal (no `detail`: that stays in the logs)."""
        return {"code": self.code, "message": self.message}


class NotAnImage(PhotoError):
    code = "not_an_image"
    default_message = "上传的文件不是图片，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"


class UnsupportedFormat(PhotoError):
    code = "unsupported_format"
    default_message = "不支持该图片格式，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"


class TooLarge(PhotoError):
    code = "too_large"
    default_message = "照片文件过大，请压缩后重新上传。"


class DecompressionBomb(PhotoError):
    """The header declares more pixels than we are willing to decode (or the decoder produced more)."""

    code = "decompression_bomb"
    default_message = "照片分辨率过高，请缩小后重新上传。"


TooManyPixels = DecompressionBomb


class TruncatedImage(PhotoError):
    code = "truncated_image"
    default_message = "照片文件不完整（上传可能中断），请重新上传。"


class CorruptImage(PhotoError):
    code = "corrupt_image"
    default_message = "照片文件已损坏，无法读取，请重新拍摄或选择其他照片。"
