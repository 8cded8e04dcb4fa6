"""Versioned prompt files: ``prompts/<mode>_v<N>.txt`` with ``# system``, ``# examples``, ``# user`` parts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

PROMPT_DIR = Path(__file__).with_name("prompts")
MODES = ("zero_shot", "few_shot")


@dataclass(frozen=True)
class Prompt:
    """A prompt template. ``version`` (file stem plus content hash) is part of every cache key."""

    name: str
    system: str
    user: str
    example: str = ""

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.system}\0{self.example}\0{self.user}".encode()).hexdigest()[:8]
        return f"{self.name}-{digest}"

    def messages(self, text: str, examples: list[tuple[str, str]] = ()) -> list[dict]:
        """Chat messages for ``text``; ``examples`` are ``(text, label)`` pairs shown as user/assistant turns."""
        messages = [{"role": "system", "content": self.system}]
        user_template, answer_template = self.example.split("\n", 1) if examples else ("", "")
        for example_text, label in examples:
            messages += [
                {"role": "user", "content": user_template.replace("{text}", example_text)},
                {"role": "assistant", "content": answer_template.replace("{label}", label)},
            ]
        messages.append({"role": "user", "content": self.user.replace("{text}", text)})
        return messages


def load_prompt(mode: str = "zero_shot", version: int | None = None) -> Prompt:
    """The prompt file for ``mode`` (the highest version unless one is given)."""
    if mode not in MODES:
        raise ValueError(f"unknown prompt mode {mode!r}; choose from {', '.join(MODES)}")
    files = sorted(PROMPT_DIR.glob(f"{mode}_v*.txt"), key=lambda p: int(p.stem.rsplit("v", 1)[1]))
    if version is not None:
        files = [p for p in files if p.stem == f"{mode}_v{version}"]
    if not files:
        raise FileNotFoundError(f"no prompt file for {mode} (version {version})")
    path = files[-1]
    parts = dict(re.findall(r"^# (\w+)\n(.*?)(?=^# \w+\n|\Z)", path.read_text(), flags=re.S | re.M))
    return Prompt(path.stem, parts["system"].strip(), parts["user"].strip(), parts.get("examples", "").strip())
