"""Extensions are created unbound here and bound to the app in ``create_app``."""

from flask import request, session
from flask.globals import _cv_request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.utils import _create_identifier
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

from app.db import Base
from app.kept import Kept


class _LoginManager(LoginManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._identifiers = Kept()
        self._session_identifier_generator = self._session_identifier

    def _session_identifier(self) -> str:
        # Session protection hashes the client's address and user agent on every signed-in request
        # (Flask-Login's ``_create_identifier``, SHA-512): the same hash, remembered per process for
        # what it is made of (the X-Forwarded-For header, else the peer's address, and the agent).
        current = _cv_request.get().request
        headers = current.headers
        key = (headers.get("X-Forwarded-For"), current.remote_addr, headers.get("User-Agent"))
        return self._identifiers.made(key, _create_identifier)

    def _session_protection_failed(self):
        # An empty session (a new visitor) never fails session protection: Flask-Login decides so
        # after hashing the client's address and user agent, which is skipped here.
        if not session:
            return False
        return super()._session_protection_failed()


class _Limiter(Limiter):
    def _check_request_limit(self, callable_name=None, in_middleware=True):
        # Before each request Flask-Limiter resolves the application, default and blueprint limits of
        # the endpoint; there are none here (the limits are on views, checked when the view is
        # called, ``callable_name`` set), so the answer is "no limit" and the work is skipped unless
        # some limit or hint exists that the middleware would apply.
        if in_middleware and callable_name is None and not self._middleware_limits(request.endpoint):
            return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _middleware_limits(self, endpoint) -> bool:
        manager = self.limit_manager
        return bool(self._meta_limits or manager._application_limits or manager._default_limits
                    or manager._blueprint_limits or manager.has_hints(endpoint or "") or self._storage_dead)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = _LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
limiter = _Limiter(key_func=get_remote_address, default_limits=[])
