"""Experiment for issue #9 item 7 (one text, one answer): static int8 against today's dynamic int8 for `encoder-fast`.

    python bench/static_int8.py [minmax|percentile|entropy] [qdq|qop|qdq-pt]

Exports the committed `encoder-fast` as fp32 ONNX, quantises it statically (activation ranges calibrated on 512
ISEAR train texts; `qdq` = QDQ format with per-channel weights, `qop` = QOperator format, `qdq-pt` = per-tensor
weights; only MatMuls with constant weights), then prints for the dynamic int8 model in the cache and the static
one: dev macro-F1, texts/s on 6,000 train texts, and how often a label differs between classifying each of 400
dev texts alone, all at once, and shuffled (with the largest confidence difference).
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emotion.evaluation.metrics import classification_metrics
from emotion.graphs.onnx import export_graph
from emotion.io.datasets import load_isear
from emotion.models.encoder import FastEncoderClassifier
from emotion.models.onnx_encoder import FastOnnxEncoderClassifier


class TrainTexts(CalibrationDataReader):
    """Batches of 32 tokenized train texts, as the served model sees them."""

    def __init__(self, tokenizer, texts: list[str]) -> None:
        encodings = tokenizer.encode_batch(texts)
        self.batches = []
        for start in range(0, len(encodings), 32):
            part = encodings[start : start + 32]
            ids = np.zeros((len(part), max(len(e.ids) for e in part)), np.int64)
            mask = np.zeros_like(ids)
            for row, encoding in enumerate(part):
                ids[row, : len(encoding.ids)] = encoding.ids
                mask[row, : len(encoding.ids)] = 1
            self.batches.append({"input_ids": ids, "attention_mask": mask})
        self.iterator = iter(self.batches)

    def get_next(self):
        return next(self.iterator, None)


def report(name: str, model: FastOnnxEncoderClassifier) -> None:
    dev, train = load_isear("dev"), load_isear("train")
    f1 = classification_metrics(list(dev.label), model.classify(list(dev.text)).labels)["macro_f1"]
    texts = train.text.tolist()[:6000]
    model.classify(texts[:200])
    started = time.perf_counter()
    model.classify(texts)
    rate = len(texts) / (time.perf_counter() - started)
    sample = list(dev.text[:400])
    alone = np.stack([model.classify([text]).proba[0] for text in sample])
    together = model.classify(sample).proba
    order = np.random.default_rng(0).permutation(len(sample))
    shuffled = model.classify([sample[i] for i in order]).proba[np.argsort(order)]
    print(
        f"{name}: dev macro-F1 {f1:.4f}, {rate:,.0f} texts/s; labels differing alone vs together "
        f"{np.mean(alone.argmax(1) != together.argmax(1)):.2%}, shuffled vs together "
        f"{np.mean(shuffled.argmax(1) != together.argmax(1)):.2%}; largest confidence difference "
        f"{np.abs(alone - together).max():.4f}"
    )


def main(method: str = "minmax", layout: str = "qdq") -> None:
    report("dynamic int8", FastOnnxEncoderClassifier.from_artifact(quantization="int8-dynamic"))
    with tempfile.TemporaryDirectory() as folder:
        fp32, static = Path(folder) / "fp32.onnx", Path(folder) / "static.onnx"
        torch_model = FastEncoderClassifier.load()
        export_graph(torch_model.model, torch_model.tokenizer, fp32)
        tokenizer = FastOnnxEncoderClassifier(fp32).tokenizer
        texts = list(load_isear("train").text.sample(512, random_state=0))
        quantize_static(
            str(fp32),
            str(static),
            TrainTexts(tokenizer, texts),
            quant_format=QuantFormat.QOperator if layout == "qop" else QuantFormat.QDQ,
            per_channel=layout != "qdq-pt",
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method={
                "minmax": CalibrationMethod.MinMax,
                "percentile": CalibrationMethod.Percentile,
                "entropy": CalibrationMethod.Entropy,
            }[method],
            op_types_to_quantize=["MatMul"],
            extra_options={"ActivationSymmetric": False, "MatMulConstBOnly": True},
        )
        report(f"static int8 ({method}, {layout})", FastOnnxEncoderClassifier(static))


if __name__ == "__main__":
    main(*sys.argv[1:3])
