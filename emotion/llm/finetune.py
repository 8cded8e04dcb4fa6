"""Export ISEAR train as OpenAI chat fine-tuning JSONL (one ``{"messages": [...]}`` object a line)."""

from __future__ import annotations

import json
from pathlib import Path

from emotion.io.datasets import load_isear
from emotion.llm.prompts import load_prompt

ROLES = {"system", "user", "assistant"}


def validate_example(example: dict) -> None:
    """Check one line against OpenAI's chat fine-tuning format; raise ``ValueError`` naming the fault.

    The format: a ``messages`` list of ``{"role", "content"}`` objects, roles among system, user and
    assistant, string contents, at least one assistant message, the last message the assistant's.
    """
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("missing 'messages' list")
    for message in messages:
        if set(message) - {"role", "content", "weight", "name"}:
            raise ValueError(f"unexpected keys {sorted(set(message) - {'role', 'content', 'weight', 'name'})}")
        if message.get("role") not in ROLES:
            raise ValueError(f"bad role {message.get('role')!r}")
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            raise ValueError("empty or non-string content")
    if messages[-1]["role"] != "assistant":
        raise ValueError("the last message must be the assistant's answer")


def export_finetune(output: Path, split: str = "train") -> int:
    """Write ``split`` as JSONL with the zero-shot prompt and the gold answer; returns lines written."""
    prompt = load_prompt("zero_shot")
    rows = load_isear(split)
    count = 0
    with open(output, "w", encoding="utf-8") as handle:
        for text, label in zip(rows.text, rows.label, strict=True):
            example = {
                "messages": [*prompt.messages(text), {"role": "assistant", "content": json.dumps({"emotion": label})}]
            }
            validate_example(example)
            handle.write(json.dumps(example, ensure_ascii=False) + "\n")
            count += 1
    return count
