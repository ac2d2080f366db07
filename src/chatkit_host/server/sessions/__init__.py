"""ChatKit sessions: creating them, and enforcing what they say (request budgets, cancellation, expiry)."""
