"""``python -m ch06_demo``: serve the demo on 127.0.0.1:$PORT (default 5000)."""

from __future__ import annotations

import os

from ch06_demo.app import create_app


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    base = f"http://127.0.0.1:{port}"
    print(f"ch06 demo API:  {base}/wafers  {base}/auth/login  {base}/system", flush=True)
    print(f"Swagger UI:     {base}/swagger  (spec: {base}/swagger.json)", flush=True)
    print(f"rate limits in: {app.config['RATELIMIT_STORAGE_URI'].split('@')[-1]}", flush=True)
    print(f"cache:          {app.config['CACHE_TYPE']}", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
