"""Fixtures of the text tests: a tiny random BERT saved as a local model folder."""

from __future__ import annotations

import pytest
import torch

WORDS = ["drill", "battery", "cordless", "tea", "green", "organic", "two", "with", "a", "leaves",
         "includes", "powered", "case", "steel", "light", "red", "blue", "small", "large", "kit"]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer BERT with random weights and a 30-token vocabulary, saved like a hub model."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + WORDS) + "\n")
    tokenizer = BertTokenizerFast(vocab=str(vocab))   # vocab_file= is ignored by transformers 5: all [UNK]
    config = BertConfig(vocab_size=len(WORDS) + 7, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)
    model = BertModel(config)
    torch.random.set_rng_state(generator_state)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder
