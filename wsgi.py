"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi run`` in development."""

import gc

from app import create_app

app = create_app()
# What start-up made (modules, mappers, the app) lives as long as the process: move it out of the
# collector's generations, so the full collections that request garbage triggers do not walk it.
gc.freeze()
