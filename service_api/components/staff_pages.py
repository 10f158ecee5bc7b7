"""The staff console's components pages (`/staff/components/`): find by code or near a place, the components with
the most cases in the last 90 days by type and street (问题高发部件), one component with its cases and history, an
admin's edits, QR codes for one component and printable sheets for a street or a type."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from intake.components import is_code
from intake.taxonomy import load_directory
from service_api.cases import intake_runtime
from service_api.components import qr, registry, spatial
from service_api.components.casework import case_component, linked_component, scanned_from
from service_api.components.models import Component
from service_api.components.vocab import INTACT, REPAIRABLE, STATUS_TEXT, STATUSES
from service_api.extensions import db
from service_api.models import Case, Department
from service_api.staff.auth import load_staff, login_required
from service_api.staff.console import template_globals
from service_api.vocab import HANDLED_STATUSES

blp = Blueprint("components_staff", __name__, url_prefix="/staff/components", template_folder="templates")

NEAR_RADIUS_M = 100
SHEET_MAX = 120  # QR codes on one printable sheet (a street's lights fit; a city's do not)
REPAIR_ROLES = ("dispatcher", "reviewer")  # and admin: who closes cases may mark the asset repaired


@blp.before_request
def _load_user() -> None:
    load_staff()


@blp.context_processor
def _globals() -> dict[str, Any]:
    return {**template_globals(), "COMPONENT_STATUS_TEXT": STATUS_TEXT}


@blp.app_template_global("case_component")
def _case_component(case: Case) -> dict[str, Any] | None:
    """The staff case page's component block (staff/case.html includes components/_case_component.html), with
    whether the case lets staff mark the component repaired (what `repaired` below accepts)."""
    data = case_component(case)
    if data is not None:
        data["repairable"] = case.status in HANDLED_STATUSES and data["status"] in REPAIRABLE
    return data


@blp.app_template_global("case_scanned_from")
def _case_scanned_from(case: Case) -> dict[str, Any] | None:
    """The component page a case about something else was reported from (shown, not counted for it)."""
    return scanned_from(case)


def _types() -> list[tuple[str, str]]:
    return [(m.code, m.name) for m in load_directory().components()]


def _streets() -> list[tuple[str, str]]:
    layer = intake_runtime.geocoder().gaz.layers.get("street")
    return list(zip(layer.codes, layer.names, strict=True)) if layer is not None else []


@blp.get("/")
@login_required()
def index() -> Any:
    q = (request.args.get("q") or "").strip()
    place = (request.args.get("place") or "").strip()
    type_code = request.args.get("type") or None
    street = request.args.get("street") or None
    if q:
        if is_code(q) and registry.get_component(q) is not None:
            return redirect(url_for("components_staff.detail", code=q))
        flash(f"未找到部件 {q[:40]}：部件编号为17位数字", "error")
    near, place_text = [], None
    if place:
        found = intake_runtime.geocoder().forward(place[:100])
        if found.lat is None or found.lng is None:
            flash(f"未能定位“{place[:40]}”，请写路名和门牌号", "error")
        else:
            place_text = found.description
            near = spatial.near(found.lat, found.lng, NEAR_RADIUS_M, type_code=type_code, limit=100)
    hot = registry.hot_components(type_code=type_code, street_code=street)
    count_query = db.session.query(db.func.count(Component.code))
    if type_code:
        count_query = count_query.filter(Component.type_code == type_code)
    if street:
        count_query = count_query.filter(Component.street_code == street)
    return render_template(
        "components/staff_index.html", q=q, place=place, place_text=place_text, near=near, hot=hot,
        type_code=type_code, street=street, types=_types(), streets=_streets(), total=count_query.scalar(),
        type_name=registry.type_name, near_radius=NEAR_RADIUS_M, window=registry.HOT_WINDOW_DAYS)


def _component_or_404(code: str) -> Component:
    component = registry.get_component(code) if is_code(code) else None
    if component is None:
        abort(404)
    return component


@blp.get("/<string:code>")
@login_required()
def detail(code: str) -> Any:
    component = _component_or_404(code)
    return render_template(
        "components/staff_detail.html", c=registry.component_dict(component), component=component,
        cases=registry.cases_of(code, limit=50), events=registry.history(code),
        departments=db.session.query(Department).order_by(Department.code).all(), statuses=STATUSES,
        can_edit=g.staff.role == "admin", public_url=qr.component_url(code))


@blp.post("/<string:code>/edit")
@login_required("admin")
def edit(code: str) -> Any:
    component = _component_or_404(code)
    form = request.form
    try:
        event = registry.edit_component(
            component, status=form.get("status") or None, owner_code=form.get("owner") or None,
            maintainer_code=form.get("maintainer", None), note=(form.get("note") or "").strip()[:500] or None,
            actor=g.staff)
    except registry.EditError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("components_staff.detail", code=code))
    db.session.commit()
    flash("已保存，并记入变更历史" if event else "没有改动", "ok")
    return redirect(url_for("components_staff.detail", code=code))


@blp.post("/<string:code>/repaired")
@login_required(*REPAIR_ROLES)
def repaired(code: str) -> Any:
    """A case about a broken or lost component is done: the component is 完好 again."""
    component = _component_or_404(code)
    case = db.session.query(Case).filter_by(case_no=request.form.get("case_no", ""),
                                            component_code=code).one_or_none()
    if case is not None and linked_component(case) is not component:
        case = None  # the case is not about this component (another matter)
    if case is None or case.status not in HANDLED_STATUSES or component.status not in REPAIRABLE:
        flash("只有处置完成的案件才能把损坏、丢失或被占用的部件改回完好", "error")
    else:
        registry.edit_component(component, status=INTACT, actor=g.staff, case_no=case.case_no,
                                note=f"案件 {case.case_no} 处置完成")
        db.session.commit()
        flash(f"部件 {code} 已改为完好", "ok")
    target = url_for("staff.case_page", case_no=case.case_no) if case else url_for("components_staff.detail",
                                                                                  code=code)
    return redirect(target)


@blp.get("/<string:code>/qr.<any(png, svg):fmt>")
@login_required()
def qr_code(code: str, fmt: str) -> Response:
    _component_or_404(code)
    if fmt == "png":
        return Response(qr.qr_png(code), mimetype="image/png",
                        headers={"Content-Disposition": f'inline; filename="{code}.png"'})
    return Response(qr.qr_svg(code), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="{code}.svg"'})


@blp.get("/qr-sheet")
@login_required()
def qr_sheet() -> Any:
    """A printable sheet of QR codes for one street and/or one type."""
    type_code = request.args.get("type") or None
    street = request.args.get("street") or None
    if not type_code and not street:
        flash("请选择街道或部件类型，再打印二维码", "error")
        return redirect(url_for("components_staff.index"))
    query = db.session.query(Component)
    if type_code:
        query = query.filter(Component.type_code == type_code)
    if street:
        query = query.filter(Component.street_code == street)
    total = query.count()
    rows = query.order_by(Component.code).limit(SHEET_MAX).all()
    return render_template("components/qr_sheet.html", rows=rows, total=total, limit=SHEET_MAX,
                           svg=qr.qr_inline, type_name=registry.type_name,
                           street_name=dict(_streets()).get(street or "", ""), type_code=type_code)
