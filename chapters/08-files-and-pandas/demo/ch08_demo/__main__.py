"""``python -m ch08_demo``: create the tables and the upload folder, serve on 127.0.0.1:$PORT."""

from __future__ import annotations

import os

from ch08_demo.app import create_app


def main() -> None:
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    base = f"http://127.0.0.1:{port}"
    print(f"Uploads:    {app.config['UPLOAD_DIR']}", flush=True)
    print(f"API:        {base}/datasets/", flush=True)
    print(f"Swagger UI: {base}/swagger  (spec: {base}/swagger.json)", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
