"""Schemas shared across areas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

CRS_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")


class LocationSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    crs = fields.String(load_default="wgs84", validate=validate.OneOf(CRS_CHOICES))


class MatterSchema(Schema):
    code = fields.String()
    name = fields.String()


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ErrorSchema(Schema):
    status = fields.Integer()
    code = fields.String()
    message = fields.String()
    errors = fields.Dict()
