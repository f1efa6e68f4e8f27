"""A local stand-in for the Stripe API, so the real Stripe SDK can be exercised without a network.

It answers the calls the app makes (Checkout Sessions in payment and subscription mode, coupons,
refunds, subscription updates) with Stripe-shaped JSON and keeps every request it saw
(form-decoded), and it can sign webhook payloads the way Stripe does. The ``*_event`` helpers build
the webhook events Stripe would send (subscription periods on the subscription items and the
invoice's subscription under ``parent``, as in API versions since 2025-03-31; ``legacy=True`` gives
the older shapes).
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


DAY = 86400


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:16]


class FakeStripe:
    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        self.sessions: dict[str, dict] = {}
        self.session_params: dict[str, dict] = {}  # session id -> the form it was created with
        self.subscriptions: dict[str, dict] = {}
        self.coupons: dict[str, dict] = {}
        self.idempotent: dict[str, dict] = {}  # Idempotency-Key -> the answer first given to it
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append(("POST", self.path, form))
                key = self.headers.get("Idempotency-Key")
                if key and key in fake.idempotent:  # like Stripe: the same answer again, nothing done twice
                    body = fake.idempotent[key]
                elif self.path == "/v1/checkout/sessions":
                    body = fake._session(form)
                elif self.path == "/v1/refunds":
                    body = {"id": "re_" + uuid.uuid4().hex[:14], "object": "refund", "status": "succeeded",
                            "amount": int(form.get("amount", 0)), "payment_intent": form.get("payment_intent")}
                elif self.path == "/v1/coupons":
                    body = fake._coupon(form)
                elif self.path.startswith("/v1/subscriptions/"):
                    body = fake._update_subscription(self.path.rsplit("/", 1)[1], form)
                else:
                    body = None
                status = 200
                if key and body is not None:
                    fake.idempotent.setdefault(key, body)
                if body is None:
                    status, body = 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                                   "message": f"No such resource: {self.path}"}}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _session(self, form: dict) -> dict:
        session_id = "cs_test_" + uuid.uuid4().hex[:16]
        mode = form.get("mode")
        trial_days = int(form.get("subscription_data[trial_period_days]") or 0)
        total = 0
        index = 0
        while f"line_items[{index}][price_data][unit_amount]" in form:
            prefix = f"line_items[{index}]"
            amount = int(form[f"{prefix}[price_data][unit_amount]"]) * int(form.get(f"{prefix}[quantity]") or 1)
            recurring = f"{prefix}[price_data][recurring][interval]" in form
            if not (recurring and trial_days):  # a trial's recurring lines are not on the first invoice
                total += amount
            index += 1
        coupon = self.coupons.get(form.get("discounts[0][coupon]") or "")
        if coupon is not None:
            total = max(total - coupon["amount_off"], 0)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/pay/{session_id}",
            "mode": mode,
            "amount_total": total,
            "currency": next((v for k, v in form.items() if k.endswith("[price_data][currency]")), None),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": self._metadata(form, "metadata"),
            "payment_intent": _new_id("pi_") if mode == "payment" else None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "invoice": None,
        }
        if mode == "subscription":
            session["subscription"] = self._start_subscription(form, trial_days)["id"]
            session["invoice"] = _new_id("in_")
        self.sessions[session_id] = session
        self.session_params[session_id] = form
        return session

    @staticmethod
    def _metadata(form: dict, prefix: str) -> dict:
        head = prefix + "["
        return {k[len(head):-1]: v for k, v in form.items() if k.startswith(head) and k.count("[") == prefix.count("[") + 1}

    def _start_subscription(self, form: dict, trial_days: int) -> dict:
        now = int(time.time())
        interval = form.get("line_items[0][price_data][recurring][interval]", "month")
        count = int(form.get("line_items[0][price_data][recurring][interval_count]") or 1)
        length = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY}[interval] * count
        end = now + (trial_days * DAY if trial_days else length)
        subscription = {
            "id": _new_id("sub_"), "object": "subscription", "status": "trialing" if trial_days else "active",
            "metadata": self._metadata(form, "subscription_data[metadata]"),
            "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
            "trial_end": end if trial_days else None, "created": now, "currency": form.get(
                "line_items[0][price_data][currency]"),
            "items": {"object": "list", "data": [{
                "id": _new_id("si_"), "object": "subscription_item", "current_period_start": now,
                "current_period_end": end, "quantity": 1,
                "price": {"unit_amount": int(form.get("line_items[0][price_data][unit_amount]") or 0),
                          "recurring": {"interval": interval, "interval_count": count}},
            }]},
        }
        self.subscriptions[subscription["id"]] = subscription
        return subscription

    def _coupon(self, form: dict) -> dict:
        coupon = {"id": _new_id("co_"), "object": "coupon", "amount_off": int(form.get("amount_off") or 0),
                  "currency": form.get("currency"), "duration": form.get("duration"), "name": form.get("name"),
                  "max_redemptions": int(form["max_redemptions"]) if form.get("max_redemptions") else None}
        self.coupons[coupon["id"]] = coupon
        return coupon

    def _update_subscription(self, subscription_id: str, form: dict) -> dict | None:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            return None
        if "cancel_at_period_end" in form:
            subscription["cancel_at_period_end"] = form["cancel_at_period_end"] == "true"
            subscription["canceled_at"] = int(time.time()) if subscription["cancel_at_period_end"] else None
        return subscription

    # ---- webhook events ---------------------------------------------------------------------

    @staticmethod
    def event(type_: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
        return {"id": event_id or _new_id("evt_"), "object": "event", "type": type_,
                "created": int(time.time()) if created is None else created, "data": {"object": obj}}

    def completed_event(self, session_id: str, event_id: str | None = None) -> dict:
        session = {**self.sessions[session_id], "payment_status": "paid", "status": "complete"}
        return self.event("checkout.session.completed", session, event_id=event_id)

    def subscription_event(self, subscription_id: str, type_: str = "customer.subscription.updated", *,
                           created: int | None = None, legacy: bool = False, **changes) -> dict:
        """An event carrying the subscription after ``changes`` (status, cancel_at_period_end,
        trial_end, ended_at, and the period as ``current_period_start``/``current_period_end``),
        which are kept for later events. ``legacy``: the period on the subscription itself."""
        subscription = self.subscriptions[subscription_id]
        item = subscription["items"]["data"][0]
        for key in ("current_period_start", "current_period_end"):
            if key in changes:
                item[key] = changes.pop(key)
        subscription.update(changes)
        obj = json.loads(json.dumps(subscription))
        if legacy:
            obj["current_period_start"] = item["current_period_start"]
            obj["current_period_end"] = item["current_period_end"]
        return self.event(type_, obj, created=created)

    def invoice_event(self, subscription_id: str, type_: str = "invoice.paid", *,
                      billing_reason: str = "subscription_cycle", amount: int | None = None,
                      period_start: int | None = None, period_end: int | None = None, invoice_id: str | None = None,
                      created: int | None = None, legacy: bool = False) -> dict:
        """An invoice event of the subscription; by default the next period, at its price."""
        subscription = self.subscriptions[subscription_id]
        item = subscription["items"]["data"][0]
        start = item["current_period_end"] if period_start is None else period_start
        end = start + 30 * DAY if period_end is None else period_end
        amount = item["price"]["unit_amount"] if amount is None else amount
        paid = type_ != "invoice.payment_failed"
        invoice = {
            "id": invoice_id or _new_id("in_"), "object": "invoice", "billing_reason": billing_reason,
            "currency": subscription["currency"], "amount_due": amount, "amount_paid": amount if paid else 0,
            "status": "paid" if paid else "open", "period_start": item["current_period_start"], "period_end": start,
            "lines": {"object": "list", "data": [{
                "id": _new_id("il_"), "object": "line_item", "amount": amount,
                "period": {"start": start, "end": end}, "metadata": {},
            }]},
        }
        if legacy:
            invoice["subscription"] = subscription_id
            invoice["subscription_details"] = {"metadata": subscription["metadata"]}
        else:
            invoice["parent"] = {"type": "subscription_details", "subscription_details": {
                "subscription": subscription_id, "metadata": subscription["metadata"]}}
        return self.event(type_, invoice, created=created)

    def refunded_event(self, session_id: str, amount: int | None = None, *, metadata: bool = True) -> dict:
        """``charge.refunded`` for the session's payment. Like Stripe, the charge carries the metadata
        its payment intent had when it was confirmed (``payment_intent_data[metadata]``);
        ``metadata=False`` leaves it out. The charge of a subscription's first invoice names the
        invoice (as API versions before 2025-03-31 do) and a payment intent of its own."""
        session = self.sessions[session_id]
        total = session["amount_total"]
        charge = {"id": "ch_" + uuid.uuid4().hex[:12], "object": "charge",
                  "payment_intent": session["payment_intent"] or _new_id("pi_"),
                  "amount": total, "amount_captured": total, "amount_refunded": total if amount is None else amount,
                  "refunded": amount is None or amount >= total,
                  "metadata": self._metadata(self.session_params[session_id], "payment_intent_data[metadata]")
                  if metadata else {}}
        if session["invoice"]:
            charge["invoice"] = session["invoice"]
        return self.event("charge.refunded", charge)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
