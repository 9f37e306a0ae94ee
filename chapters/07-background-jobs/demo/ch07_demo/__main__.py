"""``python -m ch07_demo``: serve on 127.0.0.1:$PORT, and say where the jobs run."""

from __future__ import annotations

import os

from kombu.utils.url import maybe_sanitize_url

from ch07_demo.api.celery_info import BEAT_COMMAND, WORKER_COMMAND
from ch07_demo.app import create_app


def main() -> None:
    app = create_app()
    port = int(os.environ.get("PORT", "5000"))
    conf = app.extensions["celery"].conf
    base = f"http://127.0.0.1:{port}"
    if conf.task_always_eager:
        print("Jobs:       eager, inside each request (set CELERY_BROKER_URL for a worker)",
              flush=True)
    else:
        print(f"Broker:     {maybe_sanitize_url(conf.broker_url)}", flush=True)
        print("Jobs wait for a worker. Start one in another shell, from this folder:", flush=True)
        print(f"  {WORKER_COMMAND}", flush=True)
        print(f"and, for the hourly purge, beat:  {BEAT_COMMAND}", flush=True)
    print(f"API:        {base}/jobs/", flush=True)
    print(f"Swagger UI: {base}/swagger", flush=True)
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
