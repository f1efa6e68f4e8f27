"""Payments: provider interface, manual and Stripe providers, payment events and webhooks."""
