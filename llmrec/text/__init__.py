"""Text side of llmrec: documents from catalogue rows, a BERT-family encoder, an embedding cache, profiles."""

from llmrec.hardware import ENCODER_PRECISIONS
from llmrec.text.cache import EmbeddingCache, encode_cached
from llmrec.text.documents import item_document, item_documents, review_documents
from llmrec.text.encoder import TextEncoder
from llmrec.text.pooling import l2_normalize, mean_pool
from llmrec.text.profiles import item_review_embeddings, user_profiles

__all__ = [
    "ENCODER_PRECISIONS",
    "EmbeddingCache",
    "TextEncoder",
    "encode_cached",
    "item_document",
    "item_documents",
    "item_review_embeddings",
    "l2_normalize",
    "mean_pool",
    "review_documents",
    "user_profiles",
]
