"""``python -m ch04_demo``: create the tables, make sure an admin exists, serve on
127.0.0.1:$PORT."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select

from ch04_demo.app import create_app
from ch04_demo.extensions import db
from ch04_demo.models import Role, User
from ch04_demo.services import accounts


def main() -> None:
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    with app.app_context():
        # This chapter is about auth, not schemas: create_all() (chapter 03 migrates).
        db.create_all()
        if db.session.scalar(select(User).where(User.role == Role.ADMIN.value)) is None:
            password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            accounts.register(db.session, "admin", password, Role.ADMIN)
            shown = "from DEMO_ADMIN_PASSWORD" if "DEMO_ADMIN_PASSWORD" in os.environ \
                else password
            print(f"Created user 'admin' (role admin), password: {shown}", flush=True)
    base = f"http://127.0.0.1:{port}"
    print(f"API:        {base}/auth/login", flush=True)
    print(f"Swagger UI: {base}/swagger", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
