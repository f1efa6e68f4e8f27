"""Accounting: chart of accounts and balanced journal entries."""
