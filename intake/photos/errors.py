"""Why a photo was refused: one exception class per reason, each carrying what an HTTP layer needs.

`status` is the HTTP status to answer with, `code` a stable machine string, `message` the text shown to the
resident (Simplified Chinese). `detail` is for logs only: it may contain library error text and is never
meant for the client.
"""

from __future__ import annotations


class PhotoError(Exception):
    """Base of every refusal `process_photo` can raise."""

    status: int = 400
    code: str = "bad_photo"
    default_message: str = "照片无法处理，请重新拍摄或选择其他照片。"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message)

    def to_dict(self) -> dict[str, object]:
        """The JSON body an API returns for this refusal (no `detail`: that stays in the logs)."""
        return {"status": self.status, "code": self.code, "message": self.message}


class NotAnImage(PhotoError):
    status = 415
    code = "not_an_image"
    default_message = "上传的文件不是图片，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"


class UnsupportedFormat(PhotoError):
    status = 415
    code = "unsupported_format"
    default_message = "不支持该图片格式，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"


class TooLarge(PhotoError):
    status = 413
    code = "too_large"
    default_message = "照片文件过大，请压缩后重新上传。"


class DecompressionBomb(PhotoError):
    """The header declares more pixels than we are willing to decode (or the decoder produced more)."""

    status = 413
    code = "decompression_bomb"
    default_message = "照片分辨率过高，请缩小后重新上传。"


TooManyPixels = DecompressionBomb


class TruncatedImage(PhotoError):
    status = 400
    code = "truncated_image"
    default_message = "照片文件不完整（上传可能中断），请重新上传。"


class CorruptImage(PhotoError):
    status = 400
    code = "corrupt_image"
    default_message = "照片文件已损坏，无法读取，请重新拍摄或选择其他照片。"
