"""The read model: typed questions the dashboard, the CLI and notebooks ask of one built workspace.

Hold a `WorkspaceIndex` (lookups, loaded models and reason services, built lazily) and pass it to the
functions of the module that owns the question:

    catalogue        dataset card, distributions, category mix, long tail, product facts, price bands
    users            history, portraits, taste against the population, aspects, similar users
    recommendations  a model's top-K, models side by side, launching a new product
    explanations     evidence, checked reasons, portrait summaries, descriptions (llmrec.reasons types)
    maps             the 2-D item maps and nearest neighbours
    search           personalised search
    evaluation       metrics, protocol, per-user results, explanation quality

Nothing here trains a model, runs UMAP or knows a screen. Returned frames are new objects: a caller
may change them without changing what the next call returns.
"""

from llmrec.serve.index import WorkspaceIndex

__all__ = ["WorkspaceIndex"]
