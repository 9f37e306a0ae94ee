"""``python -m ch01_demo``: seed the embedded database and serve on 127.0.0.1:$PORT."""

from __future__ import annotations

import logging

from ch01_demo import create_app
from ch01_demo.config import ConfigError
from ch01_demo.seed import init_db


def main() -> None:
    try:
        app = create_app()
    except ConfigError as exc:
        raise SystemExit(f"ch01 demo: {exc}") from None
    with app.app_context():
        init_db()
    # The JSON request log replaces werkzeug's access log; werkzeug still reports warnings.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = app.config["PORT"]
    base = f"http://127.0.0.1:{port}"
    print(f"ch01 demo ({app.config['APP_ENV']})", flush=True)
    print(f"  app:     {base}/api/v2/wafers", flush=True)
    print(f"  swagger: {base}/swagger", flush=True)
    app.run(host="127.0.0.1", port=port, use_reloader=False)


if __name__ == "__main__":
    main()
