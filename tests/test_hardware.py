"""The one precision rule: which precision the text encoder runs in on a given CPU and corpus, and why."""

from __future__ import annotations

import pytest

from llmrec.errors import ConfigError
from llmrec.hardware import INT8_MIN_TEXTS, encoder_precision


@pytest.mark.parametrize(("requested", "n_texts", "native_bf16", "chosen", "reason"), [
    # auto on a CPU with native bf16: bf16 whatever the corpus size
    ("auto", 10, True, "bf16", "auto: native bf16 on this CPU -> bf16"),
    ("auto", 10 * INT8_MIN_TEXTS, True, "bf16", "auto: native bf16 on this CPU -> bf16"),
    # auto on a CPU without it (AVX2 only): int8 from INT8_MIN_TEXTS texts on, fp32 below
    ("auto", 149_327, False, "int8",
     "auto: no native bf16 on this CPU and 149,327 texts (>= 50,000) -> int8"),
    ("auto", INT8_MIN_TEXTS, False, "int8",
     "auto: no native bf16 on this CPU and 50,000 texts (>= 50,000) -> int8"),
    ("auto", INT8_MIN_TEXTS - 1, False, "fp32",
     "auto: no native bf16 on this CPU and 49,999 texts (< 50,000) -> fp32"),
    ("auto", None, False, "fp32", "auto: no native bf16 on this CPU and an unknown number of texts -> fp32"),
    # an explicit precision is taken as it is, on any CPU and corpus
    ("fp32", 10 * INT8_MIN_TEXTS, False, "fp32", "fp32: asked for"),
    ("int8", 10, True, "int8", "int8: asked for"),
    ("bf16", None, False, "bf16", "bf16: asked for"),
])
def test_encoder_precision_by_cpu_flags_and_corpus_size(requested, n_texts, native_bf16, chosen, reason):
    assert INT8_MIN_TEXTS == 50_000  # the reasons above spell the threshold out
    choice = encoder_precision(requested, n_texts=n_texts, native_bf16=native_bf16)
    assert (choice.precision, choice.reason) == (chosen, reason)


def test_auto_reads_this_cpu_when_not_told(monkeypatch):
    from llmrec import hardware

    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: False)
    assert encoder_precision("auto", n_texts=INT8_MIN_TEXTS).precision == "int8"
    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: True)
    assert encoder_precision("auto", n_texts=INT8_MIN_TEXTS).precision == "bf16"


def test_unknown_precision_lists_the_choices():
    with pytest.raises(ConfigError, match="auto, bf16, int8, fp32.*'fp16'"):
        encoder_precision("fp16")
