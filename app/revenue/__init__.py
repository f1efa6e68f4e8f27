"""Revenue: the revenue attributed to the catalog's product attributions per order item, and payouts."""
