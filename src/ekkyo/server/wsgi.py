"""WSGI entry point for gunicorn (``ekkyo serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ekkyo.server.settings")
application = get_wsgi_application()
