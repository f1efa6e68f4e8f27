"""Tax: categories, rates by region, and immutable per-order rate snapshots."""
