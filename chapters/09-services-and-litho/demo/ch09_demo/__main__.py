"""``python -m ch09_demo``: serve the demo on 127.0.0.1:$PORT (default 5000)."""

from __future__ import annotations

import os

from ch09_demo.app import create_app


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    base = f"http://127.0.0.1:{port}"
    print(f"ch09 demo API:  {base}/analyses  {base}/fem/mock", flush=True)
    print(f"Bossung plot:   {base}/analyses/1/bossung.png  (and .svg)", flush=True)
    print(f"Swagger UI:     {base}/swagger  (spec: {base}/swagger.json)", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
