"""The evaluation protocol: every choice behind a results table, stated in plain words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CANDIDATES = "all items (full ranking, no sampled negatives)"
MASKING_TEST = ("training items of each user masked (and validation items when evaluating on test); "
                "masked items are never recommended")
MASKING_VALID = "training items of each user masked; masked items are never recommended"
TIES = ("ties among equal scores are broken by a seeded random order of the items (seed {seed}, the "
        "workspace seed), the same in evaluation, the CLI and the dashboard, so a model whose scores "
        "are all equal does not win by catalogue order")
RELEVANCE = ("held-out items of the user in the evaluated part (test or validation); binary; "
             "held-out items the user already has in a masked part are not counted")


def ties_text(seed: int) -> str:
    """The tie rule of a ranking seeded with `seed`, in plain words."""
    return TIES.format(seed=int(seed))


@dataclass(frozen=True)
class Protocol:
    """How results were obtained, so that a number is never read without its conditions."""

    split: str
    """`Split.description()`: how the data was divided."""
    ks: tuple[int, ...]
    """Cut-offs K of the ranking metrics."""
    n_users: int
    """Users evaluated: those with at least one relevant held-out item."""
    n_items: int
    """Size of the catalogue every user is ranked against."""
    target: str = "test"
    """Which part is evaluated: "test" or "valid"."""
    candidates: str = CANDIDATES
    masking: str = MASKING_TEST
    relevance: str = RELEVANCE
    ties: str = TIES.format(seed=0)
    """How equal scores are ordered (see llmrec.models.ranking)."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Facts that qualify the numbers (users skipped, metrics not computed and why)."""

    def describe(self) -> str:
        """A multi-line text, one aspect per line, to print above a results table."""
        lines = [
            f"Split: {self.split}",
            f"Evaluated on: {self.target} ({self.n_users:,} users, {self.n_items:,} items)",
            f"K: {', '.join(str(k) for k in self.ks)}",
            f"Candidates: {self.candidates}",
            f"Masking: {self.masking}",
            f"Relevance: {self.relevance}",
            f"Ties: {self.ties}",
            "Averages: mean over evaluated users; users with no relevant item are not averaged",
        ]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ks"] = list(self.ks)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Protocol:
        return cls(**{**data, "ks": tuple(data["ks"]), "notes": tuple(data.get("notes", ()))})
