"""Which precision encoding runs in: bf16 autocast where the CPU has native bf16, else fp32; questions may
also be embedded by an int8 copy of the model (``int8_copy``) or in ONNX Runtime (:mod:`index.onnx_encoder`)."""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

BF16_FLAGS = {"avx512_bf16", "amx_bf16"}  # CPU flags under which bf16 matrix products run natively


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags (``/proc/cpuinfo``, or the text given) include AVX-512 BF16 or AMX BF16."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return False
    return any(BF16_FLAGS & set(line.split()) for line in cpuinfo.splitlines() if line.startswith("flags"))


def resolve_precision(setting: str, cpuinfo: str | None = None) -> str:
    """The precision a setting names: ``"auto"`` is bf16 when the CPU has it, else fp32."""
    if setting == "auto":
        return "bf16" if cpu_has_bf16(cpuinfo) else "fp32"
    return setting


def resolve_query_precision(setting: str, cpuinfo: str | None = None) -> str:
    """The precision questions are embedded in: ``"auto"`` is onnx (fp32 in ONNX Runtime, the fastest
    for one short text and the same vectors as torch fp32) when ONNX Runtime and ``onnx`` are installed, else as
    :func:`resolve_precision`."""
    if setting == "auto":
        from index.onnx_encoder import onnx_available

        return "onnx" if onnx_available() else resolve_precision(setting, cpuinfo)
    return setting


def precision_context(precision: str):
    """bf16 autocast on the CPU for ``"bf16"``; nothing for ``"fp32"``."""
    if precision == "bf16":
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)
    return nullcontext()


def int8_copy(model):
    """A copy of a sentence-transformers ``model`` whose linear layers are dynamically quantised to int8
    (weights per tensor, activations per batch): about twice as fast for one short question on the CPU."""
    import copy
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    quantised = copy.deepcopy(model)
    with warnings.catch_warnings():  # torch deprecates the eager API in favour of torchao, which is not a dependency
        warnings.simplefilter("ignore")
        quantize_dynamic(quantised, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return quantised
