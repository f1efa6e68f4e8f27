"""Checkout: the member cart, the checkout pages, and the storefront pages of a member's orders (receipts,
the pay page) and account (subscriptions, downloads)."""
