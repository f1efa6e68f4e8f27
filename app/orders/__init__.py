"""Orders: orders, items, payments, refunds, fulfilment, and billing (renewals, metered usage). Access is
granted and revoked through app.entitlements."""
