"""What the train stage's progress bar says about a fit that early stopping or a time budget ends."""

from __future__ import annotations

import math


class FitProgress:
    """The share of one fit done after each epoch, and a line saying what will end it.

    A fit ends at the first of: its epoch cap (`params["epochs"]`), its CPU-second budget
    (`params["time_budget"]`, when it has one; epochs report `cpu_s`), or early stopping after
    `patience` validations without gain. Only the first two are known in advance, so the fraction is
    the larger of epochs run / cap and CPU seconds / budget: early stopping can only end the fit
    sooner, so the bar never runs ahead of the work (it jumps to the next model when a fit stops
    early). The message counts the validations without gain, so the wait for early stopping shows.
    """

    def __init__(self, name: str, params: dict) -> None:
        self.name = name
        self.epochs = params.get("epochs")
        self.budget = params.get("time_budget")
        self.patience = params.get("patience")
        self.best = -math.inf
        self.best_epoch = 0
        self.stale = 0
        self.fraction = 0.0

    def update(self, epoch: int, metrics: dict) -> tuple[float, str]:
        """(fraction of the fit done in [0, 1], never decreasing; message) after `epoch`."""
        shares = [epoch / self.epochs] if self.epochs else []
        if self.budget and "cpu_s" in metrics:
            shares.append(metrics["cpu_s"] / self.budget)
        self.fraction = min(1.0, max([self.fraction, *shares]))
        limits = [f"at most {self.epochs}"] if self.epochs else []
        if self.budget:
            limits.append(f"{metrics.get('cpu_s', 0.0):.0f}/{self.budget:.0f} CPU s")
        message = f"{self.name} epoch {epoch}" + (f" ({', '.join(limits)})" if limits else "")
        value = metrics.get("val_ndcg@10")
        if value is not None:
            if value > self.best:
                self.best, self.best_epoch, self.stale = value, epoch, 0
            else:
                self.stale += 1
            message += f": val NDCG@10 {value:.4f}, best {self.best:.4f} (epoch {self.best_epoch})"
            if self.patience:
                message += f", {self.stale}/{self.patience} checks without gain before it stops"
        shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if k not in ("val_ndcg@10", "cpu_s"))
        return self.fraction, message + (f"; {shown}" if shown else "")
