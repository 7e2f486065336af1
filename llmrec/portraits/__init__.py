"""Portraits: per-user summaries of taste (categories, price band, ratings, review aspects)."""
