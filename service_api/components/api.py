"""`/api/v1/components`: the registry for staff (console, maps). Owner and maintainer contacts are never given."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service_api.auth.principal import require_staff
from service_api.components import registry, spatial
from service_api.components.schemas import ComponentDetailSchema, ComponentListSchema, FeatureCollectionSchema
from service_api.components.vocab import STATUS_TEXT
from service_api.errors import APIError

blp = Blueprint("components", __name__, url_prefix="/api/v1/components", description="城市部件（工作人员）")

MAX_RADIUS_M = 2000
MAX_FEATURES = 5000
# A map view of a district or two; wider boxes would list a city's millions of assets.
MAX_BBOX_DEG = 0.5
TYPE_RE = r"^\d{5}$"


class NearArgs(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    radius = fields.Float(load_default=50.0, validate=validate.Range(min=0, max=MAX_RADIUS_M),
                          metadata={"description": f"米，最大 {MAX_RADIUS_M}"})
    type = fields.String(validate=validate.Regexp(TYPE_RE, error="部件类型应为5位代码"),
                         metadata={"description": "部件类型（管理部件5位代码）"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def _parse_bbox(value: str) -> list[float]:
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        raise ValidationError("bbox 应为 minLng,minLat,maxLng,maxLat 四个数") from None
    if len(parts) != 4:
        raise ValidationError("bbox 应为 minLng,minLat,maxLng,maxLat 四个数")
    min_lng, min_lat, max_lng, max_lat = parts
    if not (-180 <= min_lng < max_lng <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValidationError("bbox 范围无效：应 minLng<maxLng、minLat<maxLat，且在经纬度范围内")
    if max_lng - min_lng > MAX_BBOX_DEG or max_lat - min_lat > MAX_BBOX_DEG:
        raise ValidationError(f"bbox 过大：每边最多 {MAX_BBOX_DEG} 度，请放大地图")
    return parts


class BboxArgs(Schema):
    bbox = fields.String(required=True, metadata={"description": "minLng,minLat,maxLng,maxLat（CGCS2000/WGS-84）"})
    type = fields.String(metadata={"description": "部件类型，可多个，逗号分隔"})

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        try:
            _parse_bbox(data["bbox"])
        except ValidationError as exc:
            raise ValidationError({"bbox": exc.messages}) from None
        for code in (data.get("type") or "").split(","):
            if code and not code.isdigit() or code and len(code) != 5:
                raise ValidationError({"type": [f"部件类型应为5位代码：{code!r}"]})


@blp.route("")
class ComponentsNear(MethodView):
    @blp.arguments(NearArgs, location="query")
    @blp.response(200, ComponentListSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """某处附近的部件，由近到远（可按类型筛选）。"""
        require_staff()
        found = spatial.near(args["lat"], args["lng"], args["radius"], type_code=args.get("type"),
                             limit=args["limit"])
        names = registry.department_names({c for n in found for c in (n.component.owner_code,
                                                                         n.component.maintainer_code)})
        return {"items": [registry.component_dict(n.component, distance_m=n.distance_m, names=names)
                          for n in found]}


@blp.route("/geojson")
class ComponentsGeoJSON(MethodView):
    @blp.arguments(BboxArgs, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """范围内的部件（GeoJSON FeatureCollection，供地图图层）。"""
        require_staff()
        min_lng, min_lat, max_lng, max_lat = _parse_bbox(args["bbox"])
        types = [t for t in (args.get("type") or "").split(",") if t]
        rows = spatial.in_bbox(min_lng, min_lat, max_lng, max_lat, type_codes=types or None,
                               limit=MAX_FEATURES + 1)
        truncated = len(rows) > MAX_FEATURES
        rows = rows[:MAX_FEATURES]
        return {
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature",
                "id": c.code,
                "geometry": {"type": "Point", "coordinates": [c.lng, c.lat]},
                "properties": {"code": c.code, "type": c.type_code, "type_name": registry.type_name(c.type_code),
                               "name": c.name, "status": c.status, "status_text": STATUS_TEXT.get(c.status),
                               "owner": c.owner_code, "maintainer": c.maintainer_code},
            } for c in rows],
            "truncated": truncated,  # more than MAX_FEATURES in the box: zoom in
        }


@blp.route("/<string:code>")
class ComponentByCode(MethodView):
    @blp.response(200, ComponentDetailSchema)
    def get(self, code: str) -> Any:
        """一个部件：类型、位置、权属与养护单位、状态、相关案件。"""
        require_staff()
        component = registry.get_component(code)
        if component is None:
            raise APIError(404, "component_not_found", f"未找到部件 {code}")
        data = registry.component_dict(component)
        data["cases"] = [{"case_no": c.case_no, "status": c.status, "matter_code": c.matter_code,
                          "created_at": c.created_at} for c in registry.cases_of(code)]
        return data
