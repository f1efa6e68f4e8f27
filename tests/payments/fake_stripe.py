"""A local stand-in for the Stripe API, so the real Stripe SDK can be exercised without a network.

It answers the calls the app makes (Checkout Sessions, refunds) with Stripe-shaped JSON and keeps
every request it saw (form-decoded), and it can sign webhook payloads the way Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


class FakeStripe:
    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        self.sessions: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append(("POST", self.path, form))
                if self.path == "/v1/checkout/sessions":
                    body = fake._session(form)
                elif self.path == "/v1/refunds":
                    body = {"id": "re_" + uuid.uuid4().hex[:14], "object": "refund", "status": "succeeded",
                            "amount": int(form.get("amount", 0)), "payment_intent": form.get("payment_intent")}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _session(self, form: dict) -> dict:
        session_id = "cs_test_" + uuid.uuid4().hex[:16]
        amounts = [int(v) for k, v in form.items() if k.endswith("[price_data][unit_amount]")]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/pay/{session_id}",
            "mode": form.get("mode"),
            "amount_total": sum(amounts),
            "currency": next((v for k, v in form.items() if k.endswith("[price_data][currency]")), None),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "payment_intent": "pi_" + uuid.uuid4().hex[:16],
            "payment_status": "unpaid",
            "status": "open",
        }
        self.sessions[session_id] = session
        return session

    def completed_event(self, session_id: str, event_id: str | None = None) -> dict:
        session = {**self.sessions[session_id], "payment_status": "paid", "status": "complete"}
        return {"id": event_id or "evt_" + uuid.uuid4().hex[:16], "object": "event",
                "type": "checkout.session.completed", "data": {"object": session}}

    def refunded_event(self, session_id: str, amount: int | None = None) -> dict:
        session = self.sessions[session_id]
        total = session["amount_total"]
        charge = {"id": "ch_" + uuid.uuid4().hex[:12], "object": "charge", "payment_intent": session["payment_intent"],
                  "amount": total, "amount_captured": total, "amount_refunded": total if amount is None else amount,
                  "refunded": amount is None or amount >= total}
        return {"id": "evt_" + uuid.uuid4().hex[:16], "object": "event", "type": "charge.refunded",
                "data": {"object": charge}}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
