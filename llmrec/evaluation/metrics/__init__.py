"""Metrics, one room per kind: per-user ranking accuracy, catalogue-level beyond-accuracy, rating error.

- `at_k`: what every top-K metric checks about its input (K, one ranked list, a batch of lists)
  and the `Name@K` label they share;
- `ranking`: Precision, Recall, F1, NDCG, MAP, HitRate and MRR at K against held-out relevance;
- `beyond_accuracy`: coverage, novelty, average popularity and intra-list diversity of the lists;
- `rating`: RMSE and MAE of predicted ratings.

The loop that ranks every held-out user and averages these lives in `llmrec.evaluation.evaluate`.
"""
