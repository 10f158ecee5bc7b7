"""Schemas shared across areas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from service_api.phones import InvalidPhone, canonical_phone

CRS_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")


class PhoneField(fields.String):
    """A phone number in any form residents write it (spaces, dashes, +86, full-width digits), loaded as E.164.

    An empty value loads as None; anything that is not a valid number is refused with the reason in Chinese.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            phone = canonical_phone(text)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc
        if phone is None and not self.allow_none:
            raise ValidationError("请填写电话号码")
        return phone


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
