"""``/webhooks/<provider>``: provider callbacks, verified by signature before anything changes."""

from __future__ import annotations

import stripe
from flask import Blueprint, abort, current_app, jsonify, request

from app.extensions import csrf, db
from app.payments import services

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/stripe")
@csrf.exempt
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        abort(404)
    payload = request.get_data()
    try:
        event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, stripe.SignatureVerificationError):
        return jsonify(error="invalid signature"), 400
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    record = services.record_event("stripe", data["id"], data["type"], data)
    if record is None:
        return jsonify(status="duplicate"), 200
    services.process(record)
    db.session.commit()
    return jsonify(status=record.result), 200
