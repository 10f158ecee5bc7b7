"""Flask's signed-cookie session, opened only when the request carries the cookie.

API clients (the mini-program, partners, webhooks) send no session cookie, yet Flask's default interface builds
its signing serializer on every request. A request without the cookie gets an empty session directly; as
before, a cookie is written only if something is stored in it (staff sign-in).
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
