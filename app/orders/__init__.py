"""Orders: orders, items, payments, refunds, entitlements, subscriptions and usage."""
