"""Checkout: the member cart, the pricing pipeline and the checkout pages."""
