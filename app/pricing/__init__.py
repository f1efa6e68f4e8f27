"""Pricing: the pipeline every price goes through (market price -> discount -> tax -> gift cards),
and the one way a plan becomes a line to price. Used by the cart, renewals and payment providers."""
