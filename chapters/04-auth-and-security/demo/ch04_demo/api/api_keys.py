"""/api-keys: create (the key is shown once), list and revoke your API keys."""

from __future__ import annotations

from flask_jwt_extended import current_user, jwt_required
from flask_restx import Namespace, Resource, fields

from ch04_demo.errors import problem_model
from ch04_demo.extensions import db
from ch04_demo.services import api_keys

ns = Namespace("api-keys", description="API keys for scripts: read-only access to your lots")
ns.models[problem_model.name] = problem_model

key_in = ns.model("ApiKeyIn", {
    "name": fields.String(required=True, min_length=1, max_length=64, example="cd-sem-7"),
}, strict=True)
key_out = ns.model("ApiKey", {
    "id": fields.Integer, "name": fields.String,
    "prefix": fields.String(description="the key's first characters, to tell keys apart"),
    "created_at": fields.DateTime, "revoked_at": fields.DateTime,
})
new_key_out = ns.clone("NewApiKey", key_out, {
    "key": fields.String(description="the key itself: shown this once, never again"),
})


@ns.route("/")
class KeyList(Resource):
    method_decorators = [jwt_required()]

    @ns.doc(security="Bearer")
    @ns.marshal_list_with(key_out)
    def get(self):
        """Your keys, without the keys themselves (only their hashes are stored)."""
        return api_keys.list_keys(db.session, current_user)

    @ns.doc(security="Bearer")
    @ns.expect(key_in, validate=True)
    @ns.marshal_with(new_key_out, code=201)
    @ns.response(400, "Invalid payload", problem_model)
    def post(self):
        """Create a key; copy it from this response, it cannot be shown again."""
        record, key = api_keys.create_key(db.session, current_user, ns.payload["name"])
        record.key = key  # marshalled once, not a column
        return record, 201


@ns.route("/<int:key_id>")
class KeyItem(Resource):
    method_decorators = [jwt_required()]

    @ns.doc(security="Bearer")
    @ns.response(204, "Revoked")
    @ns.response(404, "No such key among yours", problem_model)
    def delete(self, key_id: int):
        """Revoke one of your keys."""
        api_keys.revoke_key(db.session, current_user, key_id)
        return "", 204
