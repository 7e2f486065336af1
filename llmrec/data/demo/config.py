"""The demo store's size and seed (`DemoConfig`), and the per-user purchase bounds it is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from llmrec.data import demo_vocabulary as vocab
from llmrec.errors import ConfigError

MIN_INTERACTIONS_PER_USER = 5  # so leave-last-out always leaves history to learn from


@dataclass(frozen=True)
class DemoConfig:
    """Size and randomness of the demo store; the defaults make a shop that loads in seconds."""

    n_users: int = 3000
    """Number of shoppers (ids U00001, ...)."""
    n_items: int = 2000
    """Number of products (ids P00001, ...)."""
    n_interactions: int = 60000
    """Total purchases; every user gets at least 5, activity is heavy-tailed."""
    n_reviews: int = 15000
    """Purchases that carry a written review (capped at n_interactions)."""
    n_categories: int = 12
    """Departments, taken in order from the built-in vocabulary (1 to 14)."""
    seed: int = 42
    """Seed of every random choice: the same config always yields identical tables."""
    start_date: date = date(2023, 1, 1)
    """First day of the shop's history (UTC)."""
    span_days: int = 730
    """Length of the history in days; timestamps fall in [start_date, start_date + span_days)."""
    exploration: float = 0.17
    """Share of purchases drawn from overall popularity instead of the user's tastes."""

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        n_cat = len(vocab.CATEGORIES)
        if not 1 <= self.n_categories <= n_cat:
            raise ConfigError(f"n_categories must be between 1 and {n_cat}, got {self.n_categories}")
        if self.n_users < 1:
            raise ConfigError(f"n_users must be at least 1, got {self.n_users}")
        if self.n_items < max(10, self.n_categories):
            raise ConfigError(f"n_items must be at least max(10, n_categories), got {self.n_items}")
        if self.n_interactions < MIN_INTERACTIONS_PER_USER * self.n_users:
            raise ConfigError(f"n_interactions must be at least {MIN_INTERACTIONS_PER_USER} x n_users = "
                              f"{MIN_INTERACTIONS_PER_USER * self.n_users}, got {self.n_interactions}")
        if self.n_interactions > self.n_users * max_per_user(self.n_items):
            raise ConfigError(f"n_interactions must be at most {self.n_users * max_per_user(self.n_items)} "
                              f"(n_users x {max_per_user(self.n_items)} for {self.n_items} items), "
                              f"got {self.n_interactions}")
        if self.n_reviews < 0:
            raise ConfigError(f"n_reviews must be non-negative, got {self.n_reviews}")
        if self.span_days < 1:
            raise ConfigError(f"span_days must be at least 1, got {self.span_days}")
        if not 0.0 <= self.exploration <= 1.0:
            raise ConfigError(f"exploration must be between 0 and 1, got {self.exploration}")


def max_per_user(n_items: int) -> int:
    """A user buys at most a third of the catalogue (and at most 2,000 items)."""
    return max(MIN_INTERACTIONS_PER_USER, min(n_items // 3, 2000))
