"""Models of the subscriptions app (filled in by the issue-11 work)."""
