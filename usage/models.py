"""Models of the usage app (filled in by the issue-11 work)."""
