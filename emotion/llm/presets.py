"""LLM endpoint presets: the committed ``presets.toml`` merged with a user file ($EMOTION_LLM_PRESETS)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

PRESETS_FILE = Path(__file__).with_name("presets.toml")
STRUCTURED_MODES = ("json_schema", "json_object", "none")


@dataclass(frozen=True)
class Preset:
    """One OpenAI-compatible endpoint and model. No key is ever stored here, only where to find one."""

    name: str
    base_url: str
    model: str
    label: str = ""
    needs_key: bool = False
    api_key_env: str = "OPENAI_API_KEY"
    structured_output: str = "json_schema"
    logprobs: bool = False
    price_input_per_mtok: float | None = None
    price_output_per_mtok: float | None = None
    seconds_per_request: float = 1.0
    start_hint: str = ""
    check_model: bool = False

    def cost_usd(self, input_tokens: float, output_tokens: float) -> float | None:
        """What these tokens cost at the preset's prices (``None``: no price known)."""
        if self.price_input_per_mtok is None:
            return None
        return (input_tokens * self.price_input_per_mtok + output_tokens * (self.price_output_per_mtok or 0)) / 1e6


def load_presets(extra: str | Path | None = None) -> dict[str, Preset]:
    """All presets by name; entries of the user file (``extra`` or $EMOTION_LLM_PRESETS) override ours."""
    raw = tomllib.loads(PRESETS_FILE.read_text())
    extra = extra or os.environ.get("EMOTION_LLM_PRESETS")
    if extra and Path(extra).exists():
        for name, values in tomllib.loads(Path(extra).read_text()).items():
            raw[name] = {**raw.get(name, {}), **values}
    known = {f.name for f in fields(Preset)}
    presets = {}
    for name, values in raw.items():
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"LLM preset {name!r}: unknown keys {', '.join(sorted(unknown))}")
        preset = Preset(name=name, **values)
        if preset.structured_output not in STRUCTURED_MODES:
            raise ValueError(f"LLM preset {name!r}: structured_output must be one of {', '.join(STRUCTURED_MODES)}")
        presets[name] = preset
    return presets
