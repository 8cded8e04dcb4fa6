"""``export``: a committed encoder as a standard transformers checkpoint, ready for a model hub.

The adapter is merged into the base weights, ``id2label`` names the seven emotions, the model's confidence
temperature is folded into its last layer (so ``pipeline`` returns temperature-scaled probabilities; the
README gives the knots of the confidence map the dashboard applies after it), and a README model card
carries the metrics with their intervals. The ONNX graph the project serves is copied beside it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from emotion import registry
from emotion.artifacts import artifact_dir, read_card
from emotion.evaluation.comparison import EVALUATION_DIR
from emotion.labels import LABELS, NO_EMOTION
from emotion.models import custom


def torch_class(name: str):
    """The torch classifier class of an exportable model (its spec says ``exportable``)."""
    from emotion.models.onnx_encoder import ONNX_ENCODERS

    exportable = [spec.name for spec in registry.SPECS if spec.exportable]
    if name not in exportable:
        raise ValueError(
            f"only the encoders export as transformers checkpoints ({', '.join(exportable)}), not {name!r}"
        )
    return ONNX_ENCODERS[name].torch_class


def _fold_temperature(model: torch.nn.Module, temperature: float) -> None:
    """Divide the last seven-way linear layer by ``temperature``: logits / T, as the dashboard serves them."""
    outputs = (len(LABELS), len(LABELS) + 1)  # the seven, or the seven and "no emotion"
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features in outputs][-1]
    with torch.no_grad():
        last.weight /= temperature
        last.bias /= temperature


def model_card(name: str, card: dict, base_id: str) -> str:
    """README.md with hub front matter, what the model is, how it was trained and its scores with intervals."""
    lines = [
        "---",
        "license: apache-2.0",
        "language: en",
        "pipeline_tag: text-classification",
        f"base_model: {base_id}",
        "tags: [emotion, isear]",
        "---",
        "",
        f"# {name}: seven-emotion classifier ({', '.join(LABELS)})",
        "",
        card.get("recipe", ""),
        "",
        "```python",
        "from transformers import pipeline",
        'classify = pipeline("text-classification", model="PATH")',
        'classify("I finally got the letter: I have been accepted.")',
        "```",
        "",
        "Data: "
        + ", ".join(f"{k}={v}" for k, v in card.get("data", {}).items())
        + ". ISEAR is for research use; GoEmotions is Apache-2.0.",
    ]
    if (EVALUATION_DIR / "metrics.json").exists():
        metrics = json.loads((EVALUATION_DIR / "metrics.json").read_text())
        entry = metrics["models"].get(name)
        if entry:
            low, high = entry["intervals"]["macro_f1"]
            lines += [
                "",
                f"## Scores on {metrics['data']['file']} ({metrics['data']['rows']} rows)",
                "",
                "| metric | value | 95% bootstrap interval |",
                "|---|---:|---|",
                f"| macro-F1 | {entry['macro_f1']:.4f} | {low:.4f} – {high:.4f} |",
                f"| accuracy | {entry['accuracy']:.4f} | "
                f"{entry['intervals']['accuracy'][0]:.4f} – {entry['intervals']['accuracy'][1]:.4f} |",
                f"| expected calibration error (15 bins) | {entry['calibration']['ece']} | |",
            ]
    calibration = card.get("confidence_calibration")
    if calibration:
        lines += ["", f"Probabilities are temperature-scaled (T = {calibration['temperature']}, fitted on dev)."]
        if calibration.get("confidence_knots"):
            lines += [
                "The dashboard then maps the top probability through a monotone map fitted on dev (linear between "
                "these `(confidence, accuracy)` knots; the other six probabilities scaled to keep "
                f"the sum), which this checkpoint leaves out: `{calibration['confidence_knots']}`."
            ]
    lines += ["", f"Card of the committed artifact: `data/{name}/card.json` (seed {card.get('seed')})."]
    return "\n".join(lines) + "\n"


def export_model(name: str, output: Path) -> Path:
    """``python -m emotion export``: what the model's spec names as its export (:attr:`ModelSpec.export`), or for a
    ``custom:NAME`` model its base's weights with its adapter merged (:func:`export_adapted`)."""
    registry.check_name(name)
    if output.exists() and any(output.iterdir()):
        raise FileExistsError(f"{output} is not empty")
    if name.startswith(custom.PREFIX):
        return export_adapted(registry.load(name), output)
    if name not in registry.SPEC:
        raise ValueError(f"{name} cannot be exported (the encoders and models adapted from them can)")
    return registry.SPEC[name].export_function()(name, output)


def export_checkpoint(name: str, output: Path) -> Path:
    """Write ``output``: merged weights, tokenizer, ``id2label``, README model card, and ``onnx/model.onnx``.

    Args:
        name: ``encoder``, ``encoder-fast`` or ``encoder-large``.
        output: A new or empty folder.
    """
    cls = torch_class(name)
    status = registry.info(name).status
    if not status.ready:
        raise FileNotFoundError(f"model {name!r} is not ready: {status.reason}")
    if output.exists() and any(output.iterdir()):
        raise FileExistsError(f"{output} is not empty")
    card = read_card(artifact_dir(name))
    model = cls.load()
    config = model.model.config
    outputs = (*LABELS, NO_EMOTION)[: model.outputs]
    config.id2label = dict(enumerate(outputs))
    config.label2id = {label: i for i, label in enumerate(outputs)}
    calibration = registry.calibration(name)
    if calibration:
        _fold_temperature(model.model, calibration.temperature)
    output.mkdir(parents=True, exist_ok=True)
    model.model.save_pretrained(output)
    model.tokenizer.save_pretrained(output)
    (output / "README.md").write_text(model_card(name, card, cls.base_id))
    from emotion.graphs.onnx import uses_contrib_ops
    from emotion.models.onnx_encoder import OnnxEncoderClassifier

    served = registry.load(name)
    if isinstance(served, OnnxEncoderClassifier):  # the graph the dashboard serves (unless the torch runtime is set)
        (output / "onnx").mkdir()
        shutil.copy(served.onnx_path, output / "onnx" / "model.onnx")
        graph = card.get("onnx", {}).get("served", "fp32")
        with (output / "README.md").open("a") as readme:
            readme.write(
                f"\n`onnx/model.onnx` is the graph the dashboard serves ({graph}): inputs `input_ids` and "
                "`attention_mask` (int64, right-padded), output `logits` before the temperature."
                + (
                    " It uses ONNX Runtime's contrib op `com.microsoft.MultiHeadAttention`, so it runs on ONNX Runtime."
                    * uses_contrib_ops(served.onnx_path)
                )
                + "\n"
            )
    return output


def export_adapted(model: custom.CustomClassifier, output: Path) -> Path:
    """A ``custom:NAME`` model as a transformers checkpoint: its base's weights with its adapter merged, the tokenizer,
    ``id2label``, and a README with its card's recipe and scores."""
    card = read_card(model.folder)
    merged = model.merged()
    config = merged.model.config
    outputs = (*LABELS, NO_EMOTION)[: merged.outputs]
    config.id2label = dict(enumerate(outputs))
    config.label2id = {label: i for i, label in enumerate(outputs)}
    output.mkdir(parents=True, exist_ok=True)
    merged.model.save_pretrained(output)
    merged.tokenizer.save_pretrained(output)
    scores = card.get("scores", {})
    (output / "README.md").write_text(
        f"---\nlicense: apache-2.0\nlanguage: en\npipeline_tag: text-classification\n---\n\n# {model.name}\n\n"
        f"{card['recipe']}.\n\nTrained on {card['data']['rows']:,} labelled rows (sha256 `{card['data']['sha256']}`); "
        f"cross-validated macro-F1 on them {scores.get('cross_validated_macro_f1')} against "
        f"{scores.get('base_models_macro_f1')} for the models it was compared with. Probabilities are not "
        "temperature-scaled.\n"
    )
    return output
