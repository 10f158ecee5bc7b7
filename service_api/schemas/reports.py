"""Report request and response schemas (mini-program, chatbot and every other JSON client)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from service_api.models.report import CHANNELS
from service_api.reports.accept import DESCRIPTION_MAX
from service_api.schemas.common import LocationSchema, MatterSchema, PhoneField


class ContactSchema(Schema):
    phone = PhoneField(allow_none=True, metadata={"description": "常见写法均可（+86、空格、横线、全角），存为 E.164"})
    name = fields.String(validate=validate.Length(max=64), allow_none=True)


DESCRIPTION_LENGTH = f"最多{DESCRIPTION_MAX}字，请删减后再提交"  # the same for the intake preview's text
BLANK_DESCRIPTION = "不能只有空格，请用文字简单描述问题（例如“井盖缺失”）；只有照片时也请写一句"


def not_blank(text: str) -> None:
    # Staff, routing and the resident's own follow-up all read the words: a report of spaces (photos or not)
    # reaches no one. The contract has always said description is required.
    if not text.strip():
        raise ValidationError(BLANK_DESCRIPTION)


class ReportCreateSchema(Schema):
    description = fields.String(required=True, validate=[
                                    validate.Length(max=DESCRIPTION_MAX, error=DESCRIPTION_LENGTH), not_blank],
                                metadata={"description": f"问题描述，必填，不能只有空白，最多 {DESCRIPTION_MAX} 字"})
    location = fields.Nested(LocationSchema, allow_none=True)
    address = fields.String(validate=validate.Length(max=255), allow_none=True)
    photo_ids = fields.List(fields.String(validate=validate.Length(max=36)), load_default=list,
                            validate=validate.Length(max=9))
    contact = fields.Nested(ContactSchema, allow_none=True)
    category_hint = fields.String(validate=validate.Length(max=64), allow_none=True)
    channel = fields.String(validate=validate.OneOf(CHANNELS), load_default=None,
                            metadata={"description": "只有服务密钥或工作人员可以指定；默认 miniprogram"})
    join_case_no = fields.String(validate=validate.Length(max=32), allow_none=True,
                                 metadata={"description": "居民确认与附近已有案件为同一问题时填写；"
                                                         "不是附近的同一问题则单独受理（见返回的 join）"})


    component_code = fields.String(validate=validate.Regexp(r"^\d{17}$", error="部件标识码应为17位数字"),
                                   allow_none=True, metadata={
                                       "description": "所反映的城市部件（扫码报修）；未给位置时用部件的位置"})


class TimelineEntrySchema(Schema):
    at = fields.DateTime()
    action = fields.String()
    text = fields.String()


class RatingOutSchema(Schema):
    rating = fields.String()
    solved = fields.Boolean(allow_none=True)
    comment = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class JoinOutcomeSchema(Schema):
    case_no = fields.String(metadata={"description": "请求合并的案件编号（join_case_no）"})
    joined = fields.Boolean(allow_none=True, metadata={"description": "是否已并入；null 表示仍在受理"})
    message = fields.String()


class ReportOutSchema(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    status = fields.String()
    status_text = fields.String()
    case_no = fields.String(allow_none=True)
    matter = fields.Nested(MatterSchema, allow_none=True)
    description = fields.String()
    address = fields.String(allow_none=True)
    location = fields.Dict(allow_none=True)
    location_description = fields.String(allow_none=True)
    channel = fields.String()
    created_at = fields.DateTime()
    photos = fields.List(fields.Dict())
    timeline = fields.List(fields.Nested(TimelineEntrySchema))
    outcome = fields.String(allow_none=True)
    outcome_photos = fields.List(fields.Dict())
    rating = fields.Nested(RatingOutSchema, allow_none=True)
    referral = fields.String(allow_none=True, metadata={"description": "不属于城市管理案件时，建议的办理渠道"})
    component = fields.Dict(allow_none=True, metadata={
        "description": "所涉城市部件：code、type、name、status、status_text、location_description、distance_m"})
    join = fields.Nested(JoinOutcomeSchema, metadata={
        "description": "提交时填写了 join_case_no 才有：只有附近的同一问题才并入，否则单独受理"})
    links = fields.Dict()


class ReportCreatedSchema(ReportOutSchema):
    access_token = fields.String(allow_none=True)


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportOutSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
