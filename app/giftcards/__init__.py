"""Gift cards: issued cards and their redemptions against orders."""
