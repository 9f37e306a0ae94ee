from flask import Flask
from flask_restx import Api, Resource


def create_app() -> Flask:
    app = Flask(__name__)
    api = Api(app, doc="/swagger")

    @api.route("/ping")
    class Ping(Resource):
        def get(self):
            return {"pong": True}

    return app
