"""The SASRec network: a nanoGPT-style pre-LN causal transformer over item histories, with an item
table tied between input embedding and output scores; for TextSASRec each item row also gets a small
adaptor over the item's frozen text embedding (UniSRec-style).

The estimators that train and use it are in llmrec.models.sasrec; the training loop is in
llmrec.models.sequence_training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from llmrec.models.sequence_data import Sequences, left_padded


@dataclass(frozen=True)
class NetConfig:
    n_items: int
    dim: int
    layers: int
    heads: int
    max_len: int
    dropout: float
    temperature: float
    text_dim: int = 0          # 0: plain SASRec; > 0: items also get an adaptor over text of this size
    id_dropout: float = 0.0    # TextSASRec: probability of dropping an item's ID embedding in training


class CausalSelfAttention(nn.Module):
    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.dim, 3 * config.dim)
        self.proj = nn.Linear(config.dim, config.dim)
        self.dropout = config.dropout
        self.resid_drop = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, length, dim = x.shape
        q, k, v = self.qkv(x).split(dim, dim=2)                              # 3 x (b, L, d)
        q, k, v = (t.view(b, length, self.heads, dim // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)  # (b, h, L, d/h)
        y = y.transpose(1, 2).reshape(b, length, dim)                         # (b, L, d)
        return self.resid_drop(self.proj(y))


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.dim)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.dim)
        self.mlp = nn.Sequential(nn.Linear(config.dim, 4 * config.dim), nn.GELU(),
                                 nn.Linear(4 * config.dim, config.dim), nn.Dropout(config.dropout))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class TextAdaptor(nn.Module):
    """Frozen text embedding (t) -> item vector: a 2-layer MLP, started at the ID embeddings' scale."""

    def __init__(self, text_dim: int, dim: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(text_dim, 2 * dim), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(2 * dim, dim))

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        return self.net(text)


class SASRecNet(nn.Module):
    def __init__(self, config: NetConfig, item_text: torch.Tensor | None = None) -> None:
        super().__init__()
        self.config = config
        self.item = nn.Embedding(config.n_items + 1, config.dim, padding_idx=0)  # row 0: padding
        self.position = nn.Embedding(config.max_len, config.dim)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.layers)])
        self.ln_f = nn.LayerNorm(config.dim)
        self.adaptor = None
        if config.text_dim:
            if item_text is None:
                item_text = torch.zeros(config.n_items, config.text_dim)
            self.register_buffer("text", item_text)                         # (n_items, t)
            self.adaptor = TextAdaptor(config.text_dim, config.dim, config.dropout)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()

    def item_table(self) -> torch.Tensor:
        """(n_items + 1, d) item rows, row 0 the zero padding row; in training, ID rows drop at random."""
        return self.item_rows(torch.arange(self.config.n_items + 1))

    def item_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """(len(rows), d) the item table's rows `rows` (item index + 1, 0 = padding), computed for those
        rows only: a sampled-softmax step of a large catalogue needs a few thousand of them."""
        table = self.item.weight[rows]                                       # (r, d)
        if self.adaptor is None:
            return table
        if self.training and self.config.id_dropout > 0:
            table = table * (torch.rand(len(rows), 1) >= self.config.id_dropout)
        real = torch.nonzero(rows > 0).squeeze(1)                            # (r',) no padding row
        text = self.adaptor(self.text[rows[real] - 1])                       # (r', d)
        return table + torch.zeros(len(rows), text.shape[1], dtype=text.dtype).index_copy(0, real, text)

    def hidden(self, inputs: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """(b, L, d) states of left-padded `inputs` (b, L) (item index + 1, 0 = padding)."""
        length = inputs.shape[1]
        real = inputs > 0                                                    # (b, L)
        x = table[inputs] * math.sqrt(self.config.dim) * real[..., None]     # (b, L, d)
        positions = torch.arange(self.config.max_len - length, self.config.max_len)
        x = self.drop(x + self.position(positions))
        # causal, over real keys only; a position may always see itself, so no row is fully masked
        causal = torch.ones(length, length, dtype=torch.bool).tril()        # (L, L)
        mask = (causal & real[:, None, :]) | torch.eye(length, dtype=torch.bool)  # (b, L, L)
        mask = mask[:, None]                                                 # (b, 1, L, L)
        for block in self.blocks:
            x = block(x, mask)
        return self.ln_f(x)

    def logits(self, states: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """(..., n_items) scores of every item given states (..., d)."""
        return states @ table[1:].T / self.config.temperature


def last_states(net: SASRecNet, histories: Sequences, table: torch.Tensor | None = None) -> torch.Tensor:
    """(len(histories), d) last hidden state of each non-empty history (eval mode, no grad).

    `table`: the net's `item_table()` when the caller has it already; TextSASRec's costs a text
    adaptor pass over every item (~0.6 CPU s at 100k items), more than the states themselves.
    """
    with torch.no_grad():
        table = net.item_table() if table is None else table
        inputs = torch.from_numpy(left_padded(histories, net.config.max_len))  # (b, L)
        return net.hidden(inputs, table)[:, -1]
