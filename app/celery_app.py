"""The Celery entry point: ``celery -A app.celery_app worker`` and ``celery -A app.celery_app beat``.

The Flask app is built from the environment as ``wsgi.py`` builds it (set ``CELERY_BROKER_URL`` or
``REDIS_URL``, and the same ``DATABASE_URL`` and settings as the web processes); its Celery app
(app/platform/tasks.py) is the one the worker and the scheduler run.
"""

from app import create_app

flask_app = create_app()
celery = app = flask_app.extensions["celery"]
