"""Wafers in two API versions, reachable by URL and by header.

v1 (deprecated) returns a bare list and unitless measurement fields; v2 wraps lists in an
envelope, renames ``lot`` to ``lot_id`` and puts the unit in every measurement field name. The
queries are shared (``services.wafers``); only the representation differs per version.
"""

from __future__ import annotations

from flask import abort, request
from flask_restx import Namespace, Resource, fields, marshal

from ch01_demo.services import wafers
from ch01_demo.versioning import (
    JSON,
    VERSION_HEADER,
    deprecation_headers,
    negotiate,
    vendor_type,
    versioned_response,
)

v1 = Namespace("wafers-v1", description="Wafers, API v1 (deprecated: sunset 2027-06-30)")
v2 = Namespace("wafers-v2", description="Wafers, API v2")
negotiated = Namespace(
    "wafers", description="Wafers; the version comes from API-Version or the Accept media type"
)

measurement_v1 = v1.model(
    "MeasurementV1",
    {
        "field": fields.Integer(example=1),
        "dose": fields.Float(example=20.0),
        "focus": fields.Float(example=-0.2),
        "cd": fields.Float(example=47.4),
    },
)
wafer_v1 = v1.model(
    "WaferV1",
    {
        "id": fields.String(example="FEM-01"),
        "lot": fields.String(attribute="lot_id", example="L24-017"),
        "layer": fields.String(example="M1"),
    },
)
wafer_detail_v1 = v1.inherit(
    "WaferDetailV1", wafer_v1, {"measurements": fields.List(fields.Nested(measurement_v1))}
)

measurement_v2 = v2.model(
    "MeasurementV2",
    {
        "field": fields.Integer(example=1),
        "dose_mj_cm2": fields.Float(attribute="dose", example=20.0),
        "focus_um": fields.Float(attribute="focus", example=-0.2),
        "cd_nm": fields.Float(attribute="cd", example=47.4),
    },
)
wafer_v2 = v2.model(
    "WaferV2",
    {
        "id": fields.String(example="FEM-01"),
        "lot_id": fields.String(example="L24-017"),
        "layer": fields.String(example="M1"),
    },
)
wafer_list_v2 = v2.model(
    "WaferListV2", {"items": fields.List(fields.Nested(wafer_v2)), "count": fields.Integer}
)
wafer_detail_v2 = v2.inherit(
    "WaferDetailV2", wafer_v2, {"measurements": fields.List(fields.Nested(measurement_v2))}
)


def _wafer_or_404(wafer_id: str):
    wafer = wafers.get_wafer(wafer_id)
    if wafer is None:
        abort(404, description=f"no wafer {wafer_id!r}")
    return wafer


def _list_v1() -> list:
    return marshal(wafers.list_wafers(), wafer_v1)


def _list_v2() -> dict:
    items = wafers.list_wafers()
    return {"items": marshal(items, wafer_v2), "count": len(items)}


def _successor() -> str:
    return request.path.replace("/api/v1/", "/api/v2/", 1)


@v1.route("")
class WaferListV1(Resource):
    @v1.deprecated
    @v1.response(200, "All wafers", [wafer_v1])
    def get(self):
        """List wafers (v1: a bare JSON array)."""
        return _list_v1(), 200, deprecation_headers(1, _successor())


@v1.route("/<string:wafer_id>")
class WaferV1(Resource):
    @v1.deprecated
    @v1.response(200, "The wafer and its measurements", wafer_detail_v1)
    @v1.response(404, "No such wafer")
    def get(self, wafer_id: str):
        """One wafer with its measurements (v1: dose, focus, cd without units)."""
        body = marshal(_wafer_or_404(wafer_id), wafer_detail_v1)
        return body, 200, deprecation_headers(1, _successor())


@v2.route("")
class WaferListV2(Resource):
    @v2.response(200, "All wafers", wafer_list_v2)
    def get(self):
        """List wafers (v2: an envelope with items and count)."""
        return _list_v2()


@v2.route("/<string:wafer_id>")
class WaferV2(Resource):
    @v2.response(200, "The wafer and its measurements", wafer_detail_v2)
    @v2.response(404, "No such wafer")
    def get(self, wafer_id: str):
        """One wafer with its measurements (v2: dose_mj_cm2, focus_um, cd_nm)."""
        return marshal(_wafer_or_404(wafer_id), wafer_detail_v2)


# Swagger UI turns "produces" into a response content type menu: that menu sets Accept.
_negotiated_doc = {
    "params": {
        VERSION_HEADER: {
            "in": "header",
            "type": "integer",
            "enum": [1, 2],
            "description": "API version; without it (and without a vendor Accept type): 2",
        }
    },
    "produces": [JSON, vendor_type(2), vendor_type(1)],
}


@negotiated.route("")
class NegotiatedWaferList(Resource):
    @negotiated.doc(**_negotiated_doc)
    @negotiated.response(200, "All wafers in the negotiated version (v2 shown)", wafer_list_v2)
    @negotiated.response(400, "API-Version contradicts Accept")
    @negotiated.response(406, "Unsupported API version")
    def get(self):
        """List wafers in the version the request asks for."""
        chosen = negotiate()
        return versioned_response(_list_v1() if chosen.version == 1 else _list_v2(), chosen)


@negotiated.route("/<string:wafer_id>")
class NegotiatedWafer(Resource):
    @negotiated.doc(**_negotiated_doc)
    @negotiated.response(200, "The wafer in the negotiated version (v2 shown)", wafer_detail_v2)
    @negotiated.response(400, "API-Version contradicts Accept")
    @negotiated.response(404, "No such wafer")
    @negotiated.response(406, "Unsupported API version")
    def get(self, wafer_id: str):
        """One wafer with its measurements in the version the request asks for."""
        chosen = negotiate()
        model = wafer_detail_v1 if chosen.version == 1 else wafer_detail_v2
        return versioned_response(marshal(_wafer_or_404(wafer_id), model), chosen)
