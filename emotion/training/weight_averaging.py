"""Weight-space interpolation of two LoRA adapters of one base (WiSE-FT, Wortsman et al. 2022).

A model continued on a second domain from a first-stage adapter lies in the same basin as it, so the straight line
between their weights holds models that trade the first domain against the second smoothly:
``W = W0 + (1 - a) * dW_start + a * dW_end``. For LoRA, ``dW = s * B @ A`` (``s = lora_alpha / r``), and the mix is
exactly another LoRA adapter of twice the rank: ``A = [A_start; A_end]``, ``B = [(1 - a) B_start, a B_end]``. Fully
trained modules (head, pooler, cross-attention) are mixed directly; head rows only the end has (the "no emotion"
output) are taken from it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

ADAPTER = "adapter_model.safetensors"
CONFIG = "adapter_config.json"


def interpolate_adapters(start: Path, end: Path, alpha: float, out: Path) -> Path:
    """Write the adapter ``(1 - alpha) * start + alpha * end`` to ``out`` (other files are copied from ``end``).

    Args:
        start: The first-stage adapter's folder.
        end: The adapter continued from it (same base, same LoRA targets and rank).
        alpha: 0 gives ``start``'s weights, 1 ``end``'s.
        out: The folder written (created).

    Returns:
        ``out``. At ``alpha == 1`` it holds ``end``'s adapter as it is (same rank).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be within [0, 1], not {alpha}")
    start, end, out = Path(start), Path(end), Path(out)
    if alpha == 1.0:  # the continued adapter itself, at its own rank
        out.mkdir(parents=True, exist_ok=True)
        for file in end.iterdir():
            if file.is_file():
                shutil.copy(file, out / file.name)
        return out
    config = json.loads((end / CONFIG).read_text())
    if json.loads((start / CONFIG).read_text())["r"] != config["r"]:
        raise ValueError("both adapters must have the same LoRA rank")
    first = {k: v.float() for k, v in load_file(start / ADAPTER).items()}
    second = {k: v.float() for k, v in load_file(end / ADAPTER).items()}
    if set(first) != set(second):
        raise ValueError(f"{start} and {end} do not hold the same modules")
    mixed: dict[str, torch.Tensor] = {}
    for key, late in second.items():
        early = first[key]
        if ".lora_A." in key:
            mixed[key] = torch.cat([early, late], dim=0)
        elif ".lora_B." in key:
            mixed[key] = torch.cat([(1 - alpha) * early, alpha * late], dim=1)
        else:
            if early.shape != late.shape:  # a head the end grew: its new rows are the end's
                if early.shape[1:] != late.shape[1:] or early.shape[0] > late.shape[0]:
                    raise ValueError(f"{key}: {tuple(early.shape)} cannot grow to {tuple(late.shape)}")
                early = torch.cat([early, late[early.shape[0] :]], dim=0)
            mixed[key] = (1 - alpha) * early + alpha * late
    out.mkdir(parents=True, exist_ok=True)
    for file in end.iterdir():
        if file.is_file() and file.name not in (ADAPTER, CONFIG):
            shutil.copy(file, out / file.name)
    stored = load_file(end / ADAPTER)  # keep the end's precision (fp16 adapters stay fp16)
    save_file({k: v.to(stored[k].dtype).contiguous() for k, v in mixed.items()}, out / ADAPTER)
    config.update(r=2 * config["r"], lora_alpha=2 * config["lora_alpha"])  # same scaling alpha / r
    (out / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    return out
