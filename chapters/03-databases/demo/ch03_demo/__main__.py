"""``python -m ch03_demo``: migrate the database, seed it if empty, serve on 127.0.0.1:$PORT."""

from __future__ import annotations

import os

from flask_migrate import upgrade

from ch03_demo.app import create_app
from ch03_demo.extensions import db
from ch03_demo.services.seed import seed_demo_data


def main() -> None:
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    with app.app_context():
        # The schema comes from the migrations, as it would in production: never create_all().
        upgrade()
        seed_demo_data(db.session)
        database = db.engine.url.render_as_string(hide_password=True)
    base = f"http://127.0.0.1:{port}"
    print(f"Database:   {database}", flush=True)
    print(f"API:        {base}/lots/", flush=True)
    print(f"Swagger UI: {base}/swagger", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
