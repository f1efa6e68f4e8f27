"""Revenue: creator attributions, revenue pools, attributed revenue and payouts."""
