"""Entitlements: what a member may use (product access at a tier) and the subscriptions behind it,
with the one rule of when access is active and the subscription state machine. Orders grant and
revoke through this package; the course player and the download pages read it."""
