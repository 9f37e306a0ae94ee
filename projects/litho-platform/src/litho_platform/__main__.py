"""``python -m litho_platform``: serve on 127.0.0.1:$PORT (default 8000) and print the URLs."""

from __future__ import annotations

from litho_platform import create_app


def main() -> None:
    app = create_app()
    port = app.config["PORT"]
    base = f"http://127.0.0.1:{port}"
    print(f"Litho platform ({app.config['APP_ENV']}) on {base}")
    print(f"  Swagger UI   {base}/swagger")
    print(f"  OpenAPI spec {base}/swagger.json")
    print(f"  Health       {base}/health/live  {base}/health/ready")
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
