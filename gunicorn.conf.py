"""gunicorn settings for the web process (`gunicorn wsgi:app` reads this file from the working
directory). Every value can be overridden from the environment; README "Deployment" lists them."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: each serves one request at a time, so run about two per core (WEB_CONCURRENCY).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a request taking longer is killed
graceful_timeout = 30  # on restart, requests in flight get this long to finish
keepalive = 5  # seconds: behind a load balancer that keeps connections open
# Recycle a worker after this many requests (a slow leak cannot grow for ever; jitter avoids all
# at once). 0 (the default): never, so each worker's storefront cache stays warm.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Every worker imports the app itself (no --preload): database connections and the Redis client
# are never shared across a fork.
preload_app = False
# The address of the proxy in front, whose X-Forwarded-* headers gunicorn itself may read (the app
# trusts them only through PROXY_FIX).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log: off by default (the proxy in front logs requests); "-" for stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
