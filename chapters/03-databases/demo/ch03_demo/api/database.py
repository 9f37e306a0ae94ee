"""/database: which database the app talks to and how its connection pool is doing."""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource, fields

from ch03_demo.extensions import db

ns = Namespace("database", description="The engine and its connection pool")

pool_info = ns.model("Database", {
    "url": fields.String(description="Database URL, password hidden"),
    "dialect": fields.String(example="sqlite"),
    "driver": fields.String(example="pysqlite"),
    "pool_class": fields.String(example="QueuePool"),
    "pool_status": fields.String(description="The pool's own summary: size, checked out, overflow"),
    "engine_options": fields.Raw(description="Pool settings passed to create_engine"),
})


@ns.route("/")
class Database(Resource):
    @ns.marshal_with(pool_info)
    def get(self):
        """The engine's dialect and pool, as configured from DATABASE_URL and DB_POOL_*."""
        engine = db.engine
        return {
            "url": engine.url.render_as_string(hide_password=True),
            "dialect": engine.dialect.name,
            "driver": engine.driver,
            "pool_class": type(engine.pool).__name__,
            "pool_status": engine.pool.status(),
            "engine_options": current_app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
