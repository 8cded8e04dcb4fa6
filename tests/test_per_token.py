"""Per-token int8 (emotion/graphs/per_token.py): the arithmetic it claims, and rows that never meet."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from emotion.graphs.per_token import quantize_per_token, quantize_weight

K, N = 16, 5


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    """``relu(x @ W1 + b) @ W2`` over ``(batch, tokens, K)``, in fp32 and rewritten per token."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("per_token")
    w1, w2 = rng.standard_normal((K, K)).astype(np.float32), rng.standard_normal((K, N)).astype(np.float32)
    bias = rng.standard_normal(K).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h"], name="first"),
            helper.make_node("Add", ["h", "b"], ["hb"]),
            helper.make_node("Relu", ["hb"], ["r"]),
            helper.make_node("MatMul", ["r", "w2"], ["y"], name="second"),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "tokens", N])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(bias, "b")],
    )
    fp32 = folder / "fp32.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(fp32))
    rewritten = folder / "per_token.onnx"
    assert quantize_per_token(fp32, rewritten) == 2
    session = ort.InferenceSession(str(rewritten), providers=["CPUExecutionProvider"])
    return (w1, bias, w2), lambda x: session.run(["y"], {"x": x.astype(np.float32)})[0]


def reference(x: np.ndarray, w1, bias, w2) -> np.ndarray:
    """The same arithmetic in numpy: each token's row rounded to int8 by its own largest value."""

    def matmul(a, w):
        scale = np.maximum(np.abs(a).max(axis=-1, keepdims=True), 1e-12) / 127
        wq, wscale = quantize_weight(w)
        return (np.round(a / scale) @ wq.astype(np.float64)) * scale * wscale

    return matmul(np.maximum(matmul(x, w1) + bias, 0), w2)


def test_weights_are_symmetric_int8_per_column():
    w = np.array([[1.0, -0.5], [-2.0, 0.25]], dtype=np.float32)
    quantized, scale = quantize_weight(w)
    assert quantized.dtype == np.int8 and np.allclose(scale, [2 / 127, 0.5 / 127])
    assert quantized.tolist() == [[64, -127], [-127, 64]]  # 1 / (2/127) = 63.5 rounds to even, 64


def test_the_graph_computes_per_token_int8(graphs):
    weights, run = graphs
    x = np.random.default_rng(1).standard_normal((3, 4, K))
    assert np.allclose(run(x), reference(x, *weights), atol=1e-4)
    exact = np.maximum(x @ weights[0] + weights[1], 0) @ weights[2]
    assert np.abs(run(x) - exact).max() < 0.05 * np.abs(exact).max()


def test_a_row_is_the_same_alone_in_a_batch_and_next_to_an_outlier(graphs):
    _, run = graphs
    rows = np.random.default_rng(2).standard_normal((1, 3, K))
    outlier = 1000 * np.random.default_rng(3).standard_normal((1, 3, K))
    padding = np.zeros((1, 3, K))
    alone = run(rows)
    assert np.array_equal(run(np.concatenate([rows, outlier, padding]))[:1], alone)
    assert np.array_equal(run(np.concatenate([outlier, rows]))[1:], alone)
