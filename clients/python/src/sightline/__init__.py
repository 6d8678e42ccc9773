"""Sightline backend SDK."""
