"""/api/v1/map: the map layers from our own data (staff only), so a map works with no internet at all."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from intake.geo.crs import to_cgcs2000_many
from service_api.api.stats import STATS_ROLES, period_from
from service_api.cases import desk, intake_runtime
from service_api.cases.queries import get_visible_case
from service_api.errors import APIError
from service_api.extensions import db
from service_api.maps import areas, case_map, components_layer, points, rates
from service_api.maps.access import map_staff
from service_api.maps.filters import OPEN, DeskFilters
from service_api.maps.tiles import check_settings, output_crs, tile_config
from service_api.models import CASE_STATUSES, CHANNELS
from service_api.stats.indicators import BASES, DEFAULT_BASIS

blp = Blueprint("map", __name__, url_prefix="/api/v1/map",
                description="地图图层（工作人员）：区域边界、案件点位、分区计数")
blp.record_once(lambda state: check_settings(state.app))

# The area layers change only at a gazetteer import: a URL that names the current version (`v`) may be kept a day;
# without it, a browser keeps the layer a few minutes and then asks again with its ETag.
VERSIONED_MAX_AGE, UNVERSIONED_MAX_AGE = 86_400, 300
BBOX_HELP = "minLng,minLat,maxLng,maxLat（地图所用坐标系，配置 GCJ-02 底图时为 GCJ-02）"


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """The box in the map's system → CGCS2000; 422 naming what is wrong."""
    if not value:
        return None
    parts = value.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise APIError(422, "bad_bbox", f"bbox 应为 {BBOX_HELP}，四个数字以逗号分隔", {"bbox": [value[:80]]}) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise APIError(422, "bad_bbox", "bbox 的经纬度超出范围，或最小值不小于最大值", {"bbox": [value[:80]]})
    crs = output_crs()
    if crs != "cgcs2000":
        lats, lngs = to_cgcs2000_many([south, north], [west, east], crs)
        south, north, west, east = float(lats[0]), float(lats[1]), float(lngs[0]), float(lngs[1])
    return west, south, east, north


class BBoxArgs(Schema):
    bbox = fields.String(metadata={"description": BBOX_HELP, "example": "120.30,36.05,120.36,36.08"})


class AreaArgs(BBoxArgs):
    level = fields.String(required=True, validate=validate.OneOf(areas.LEVELS, error="level 只能是 {choices}"))
    zoom = fields.Integer(load_default=14, validate=validate.Range(0, 30),
                          metadata={"description": "地图缩放级别，决定简化程度"
                                                   f"（{areas.MIN_ZOOM}–{areas.MAX_ZOOM}，超出按端点）"})
    v = fields.Integer(metadata={"description": "地名库版本（见 /config）；与当前版本一致时可缓存一天"})


class CaseFilterArgs(BBoxArgs):
    """The case desk's filters (the same names as /staff/cases)."""

    queue = fields.String(validate=validate.OneOf(list(desk.QUEUES)), metadata={"description": "案件台队列"})
    status = fields.String(validate=validate.OneOf([*CASE_STATUSES, OPEN]),
                           metadata={"description": f"状态；{OPEN} 为所有未结案件"})
    matter = fields.String(validate=validate.Regexp(r"^\d{2,5}$", error="matter 应为 2–5 位事项代码"))
    department = fields.String(validate=validate.Length(max=40))
    district = fields.String(validate=validate.Regexp(r"^\d{6}$", error="district 应为 6 位区划代码"))
    street = fields.String(validate=validate.Regexp(r"^\d{9}$", error="street 应为 9 位街道代码"))
    community = fields.String(validate=validate.Regexp(r"^\d{12}$", error="community 应为 12 位社区代码"))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    date_from = fields.Date()
    date_to = fields.Date()

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", "date_from")


class CountArgs(CaseFilterArgs):
    level = fields.String(load_default="grid", validate=validate.OneOf(areas.LEVELS, error="level 只能是 {choices}"))


class ComponentArgs(Schema):
    bbox = fields.String(required=True, metadata={"description": BBOX_HELP})
    type = fields.String(validate=validate.Regexp(r"^\d{5}(,\d{5})*$",
                                                  error="type 应为 5 位部件类型代码，可用逗号分隔多个"),
                         metadata={"description": "部件类型，可多个，逗号分隔"})


class RateArgs(Schema):
    level = fields.String(load_default="street", validate=validate.OneOf(rates.LEVELS, error="level 只能是 {choices}"),
                          metadata={"description": "着色的区域级别：street（街道）或 community（社区）"})
    from_ = fields.Date(data_key="from", format="%Y-%m-%d")
    to = fields.Date(format="%Y-%m-%d")
    basis = fields.String(load_default=DEFAULT_BASIS,
                          validate=validate.OneOf(BASES, error="统计口径 basis 只能是 {choices}"))


class SurroundingArgs(Schema):
    radius = fields.Integer(load_default=case_map.NEARBY_RADIUS_M,
                            validate=validate.Range(50, case_map.NEARBY_MAX_RADIUS_M),
                            metadata={"description": "附近在办案件的半径（米）"})


def desk_filters(args: dict[str, Any]) -> DeskFilters:
    values = {k: args.get(k) or "" for k in ("status", "matter", "department", "district", "street", "community",
                                            "channel")}
    values.update(date_from=args.get("date_from"), date_to=args.get("date_to"))
    return DeskFilters(args.get("queue"), values)


@blp.route("/config")
class MapConfig(MethodView):
    @blp.response(200)
    def get(self) -> Any:
        """底图配置（无则只画本平台图层）、坐标系、地名库版本与全区范围"""
        map_staff()
        gaz = intake_runtime.geocoder().gaz
        bounds = None
        top = next((gaz.layers[lvl] for lvl in areas.LEVELS if lvl in gaz.layers), None)
        if top is not None:
            import shapely

            west, south, east, north = (float(x) for x in shapely.total_bounds(top.geoms))
            bounds = [[south, west], [north, east]]
        return {"tiles": tile_config().to_dict(), "crs": output_crs(), "levels": list(areas.LEVELS),
                "gazetteer_version": intake_runtime.gazetteer_version(), "bounds": bounds}


@blp.route("/areas")
class Areas(MethodView):
    @blp.arguments(AreaArgs, location="query")
    @blp.response(200, description="GeoJSON FeatureCollection（properties: code, name, level），按缩放级别简化")
    @blp.alt_response(304, description="未变化（If-None-Match）")
    def get(self, args: dict[str, Any]) -> Any:
        """某一级区域（区、街道、社区、网格）的边界，按 bbox 过滤"""
        map_staff()
        bbox = parse_bbox(args.get("bbox"))
        zoom = min(max(args["zoom"], areas.MIN_ZOOM), areas.MAX_ZOOM)
        version = intake_runtime.gazetteer_version()
        crs = output_crs()
        tag = hashlib.sha1(f"{version}|{args['level']}|{zoom}|{crs}|{bbox}".encode()).hexdigest()[:20]
        max_age = VERSIONED_MAX_AGE if args.get("v") == version else UNVERSIONED_MAX_AGE
        if request.if_none_match.contains(tag):
            response = Response(status=304)
        else:
            gaz = intake_runtime.geocoder().gaz
            body = areas.feature_collection(gaz, id(gaz), version, args["level"], zoom, crs, bbox)
            response = Response(body, mimetype="application/geo+json")
        response.set_etag(tag)
        response.headers["Cache-Control"] = f"private, max-age={max_age}"
        response.vary.add("Cookie")
        response.vary.add("Authorization")
        return response


@blp.route("/cases")
class CasePoints(MethodView):
    @blp.arguments(CaseFilterArgs, location="query")
    @blp.response(200, description="按列给出的点位：id、lng、lat、status（statuses 中的序号）、overdue（0/1）")
    def get(self, args: dict[str, Any]) -> Any:
        """案件点位，筛选条件与案件台相同（队列、状态、事项、部门、区域、渠道、日期）并按 bbox 过滤"""
        staff = map_staff()
        filters, bbox, crs = desk_filters(args), parse_bbox(args.get("bbox")), output_crs()
        response = Response(points.case_points_json(staff, filters, bbox, db.engine.dialect.name, crs),
                            mimetype="application/json")
        response.headers["Cache-Control"] = "private, no-store"  # cases move through the workflow all day
        return response


@blp.route("/counts")
class AreaCounts(MethodView):
    @blp.arguments(CountArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """各区域（默认网格）的案件数，筛选条件与案件台相同：网格着色用"""
        staff = map_staff()
        counts = points.area_counts(staff, desk_filters(args), args["level"])
        return {"level": args["level"], "counts": counts, "max": max(counts.values(), default=0),
                "total": sum(counts.values())}


@blp.route("/cases/<int:case_id>")
class CasePopup(MethodView):
    @blp.response(200)
    def get(self, case_id: int) -> Any:
        """点击点位时的案件摘要"""
        return case_map.case_popup(case_id, map_staff(), output_crs())


@blp.route("/cases/<string:case_no>/surroundings")
class CaseSurroundings(MethodView):
    @blp.arguments(SurroundingArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any], case_no: str) -> Any:
        """案件页地图：各条反映的位置、所在网格边界、附近在办案件"""
        staff = map_staff()
        return case_map.surroundings(get_visible_case(case_no, staff), staff, output_crs(), args["radius"])


@blp.route("/components")
class Components(MethodView):
    @blp.arguments(ComponentArgs, location="query")
    @blp.response(200, description="GeoJSON FeatureCollection；truncated 为真时范围内部件过多，请放大地图")
    def get(self, args: dict[str, Any]) -> Any:
        """范围内的城市部件（地图图层；配置 GCJ-02 底图时已换算）"""
        map_staff()
        bbox = parse_bbox(args["bbox"]) or (0.0, 0.0, 0.0, 0.0)  # required: never empty here
        if bbox[2] - bbox[0] > components_layer.MAX_BBOX_DEG or bbox[3] - bbox[1] > components_layer.MAX_BBOX_DEG:
            raise APIError(422, "bbox_too_large", f"bbox 过大：每边最多 {components_layer.MAX_BBOX_DEG} 度，请放大地图",
                           {"bbox": [args["bbox"][:80]]})
        types = [t for t in (args.get("type") or "").split(",") if t]
        return components_layer.components_in_box(bbox, types, output_crs())


@blp.route("/rates")
class AreaRates(MethodView):
    @blp.arguments(RateArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """各街道或社区（level）的满意率、按期结案率、处置率（与统计页按街道、社区分组的表格同一口径），供统计页着色"""
        staff = map_staff()
        if staff.role not in STATS_ROLES:
            raise APIError(403, "role_forbidden", "仅审核员、派遣员可查看统计")
        period = period_from(args.get("from_"), args.get("to"))
        return rates.area_rates(period, args["basis"], args["level"])
