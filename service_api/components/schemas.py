"""What `/api/v1/components` answers, for the OpenAPI document (and so that nothing else slips out)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service_api.components.vocab import STATUS_TEXT, STATUSES


class CodeNameSchema(Schema):
    code = fields.String()
    name = fields.String()


class ComponentLocationSchema(Schema):
    lat = fields.Float()
    lng = fields.Float()
    crs = fields.String(metadata={"description": "总是 cgcs2000"})


_STATUS = fields.String(validate=validate.OneOf(STATUSES), metadata={
    "description": "、".join(f"{key}={text}" for key, text in STATUS_TEXT.items())})


class ComponentSchema(Schema):
    code = fields.String(metadata={"description": "部件标识码（17位：6位区划+2位大类+3位小类+6位顺序号）"})
    type = fields.Nested(CodeNameSchema, metadata={"description": "部件类型（管理部件5位代码）"})
    name = fields.String()
    status = _STATUS
    status_text = fields.String()
    location = fields.Nested(ComponentLocationSchema)
    location_description = fields.String(allow_none=True, metadata={"description": "方位描述"})
    distance_m = fields.Float(metadata={"description": "与查询点的距离（米），按位置查询时才有"})
    owner = fields.Nested(CodeNameSchema, metadata={"description": "权属单位（部门代码与名称，不含联系方式）"})
    maintainer = fields.Nested(CodeNameSchema, allow_none=True, metadata={"description": "养护单位"})
    grid_code = fields.String(allow_none=True, metadata={"description": "万米单元网格"})
    community_code = fields.String(allow_none=True)
    street_code = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "import（导入）、demo（演示数据）或 staff"})
    updated_at = fields.DateTime()


class ComponentCaseSchema(Schema):
    case_no = fields.String()
    status = fields.String()
    matter_code = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ComponentDetailSchema(ComponentSchema):
    cases = fields.List(fields.Nested(ComponentCaseSchema), metadata={"description": "关于此部件的案件，最新在前"})


class ComponentListSchema(Schema):
    items = fields.List(fields.Nested(ComponentSchema), metadata={"description": "由近到远"})


class PointSchema(Schema):
    type = fields.String(metadata={"description": "Point"})
    coordinates = fields.List(fields.Float(), metadata={"description": "[lng, lat]，CGCS2000"})


class FeaturePropertiesSchema(Schema):
    code = fields.String()
    type = fields.String()
    type_name = fields.String()
    name = fields.String()
    status = _STATUS
    status_text = fields.String(allow_none=True)
    owner = fields.String(metadata={"description": "权属单位的部门代码"})
    maintainer = fields.String(allow_none=True, metadata={"description": "养护单位的部门代码"})


class FeatureSchema(Schema):
    type = fields.String(metadata={"description": "Feature"})
    id = fields.String(metadata={"description": "部件标识码"})
    geometry = fields.Nested(PointSchema)
    properties = fields.Nested(FeaturePropertiesSchema)


class FeatureCollectionSchema(Schema):
    type = fields.String(metadata={"description": "FeatureCollection"})
    features = fields.List(fields.Nested(FeatureSchema))
    truncated = fields.Boolean(metadata={"description": "范围内部件超过上限、只返回了一部分：请放大地图"})
