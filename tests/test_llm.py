"""LLM classifiers: prompts, parsing, cache, and faults against local servers (no internet)."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from emotion.llm.cache import AnswerCache
from emotion.llm.classifier import LLMClassifier, label_distribution, parse_answer, redact
from emotion.llm.finetune import validate_example
from emotion.llm.presets import Preset, load_presets
from emotion.llm.prompts import load_prompt
from emotion.llm.retrieval import Retriever
from tests.llm_servers import FaultyServer, free_port, start_llama, stats

pytestmark = pytest.mark.slow  # starts llama.cpp servers and runs SmolLM2

SECRET = "sk-test-THIS-KEY-MUST-NEVER-LEAK-1234567890"
TEXTS = [
    "I won the lottery today",
    "My dog died last night",
    "I cheated on the exam and nobody knows",
    "Someone followed me home",
    "The soup had a hair in it",
    "I fell over on stage",
]


def preset(url: str, **overrides) -> Preset:
    values = {
        "name": "test",
        "base_url": url,
        "model": "smollm2-135m",
        "structured_output": "json_object",
        "logprobs": True,
        **overrides,
    }
    return Preset(**values)


def classifier(url: str, tmp_path, **options) -> LLMClassifier:
    overrides = options.pop("preset", {})
    return LLMClassifier(preset(url, **overrides), cache=AnswerCache(tmp_path / "answers.sqlite"), **options)


# --- pure functions -------------------------------------------------------------------------------


def test_the_server_key_is_used_only_when_no_key_is_given(monkeypatch):
    from emotion.llm.classifier import server_key

    monkeypatch.setenv("OPENAI_API_KEY", "sk-server")
    gpt = load_presets()["openai-gpt-4o-mini"]
    assert server_key(gpt, None) == "sk-server"  # one analyst, or a user the deployment names
    assert server_key(gpt, "") is None  # a signed-in user it does not name: no key unless they type one
    assert server_key(gpt, "sk-own") == "sk-own"
    assert not LLMClassifier(gpt, api_key="").status(probe=False).ready


def test_presets_and_prompt_files():
    presets = load_presets()
    assert {"openai-gpt-4o-mini", "ollama-llama3.2", "local-smollm2"} <= set(presets)
    assert presets["ollama-llama3.2"].base_url == "http://localhost:11434/v1"
    assert presets["openai-gpt-4o-mini"].needs_key
    zero, few = load_prompt("zero_shot"), load_prompt("few_shot")
    assert zero.version.startswith("zero_shot_v1-") and zero.version != few.version
    messages = few.messages("I lost my wallet {x}", [("I found a coin", "joy"), ("A wasp stung me", "fear")])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"] == '{"emotion": "joy"}'
    assert messages[-1]["content"] == "Text: I lost my wallet {x}"


def test_user_presets_merge(tmp_path, monkeypatch):
    extra = tmp_path / "mine.toml"
    extra.write_text('[my-vllm]\nbase_url = "http://127.0.0.1:8000/v1"\nmodel = "meta-llama/Llama-3.2-3B-Instruct"\n')
    monkeypatch.setenv("EMOTION_LLM_PRESETS", str(extra))
    assert load_presets()["my-vllm"].model == "meta-llama/Llama-3.2-3B-Instruct"


def test_answers_parse_strictly():
    assert parse_answer('{"emotion": "shame"}') == "shame"
    assert parse_answer("Sadness.") == "sadness"
    assert parse_answer('{"emotion": "bored"}') is None
    assert parse_answer("anger or fear") is None


def test_probabilities_from_top_logprobs():
    def tok(token, logprob, top=()):
        return SimpleNamespace(
            token=token, logprob=logprob, top_logprobs=[SimpleNamespace(token=t, logprob=l) for t, l in top]
        )

    tokens = [
        tok('{"', 0),
        tok("emotion", 0),
        tok('": "', 0),
        tok("sad", np.log(0.6), [("sad", np.log(0.6)), ("gu", np.log(0.3)), ("s", np.log(0.05))]),
        tok("ness", 0),
        tok('"}', 0),
    ]
    proba = label_distribution(tokens, "sadness")
    assert proba[5] == pytest.approx(0.6 / 0.9) and proba[3] == pytest.approx(0.3 / 0.9)
    assert sum(proba) == pytest.approx(1)
    assert label_distribution(tokens, "joy") is None


def test_redaction():
    assert SECRET not in redact(f"Incorrect API key provided: {SECRET}", SECRET)
    assert "sk-ab***" in redact("key sk-abcdefghijklmnop rejected", None)


def test_retrieval_few_shot(sample):
    texts, labels = sample
    retriever = Retriever(texts, labels)
    shots = retriever.nearest(["Cockroaches were running around the restaurant kitchen"], k=2)[0]
    assert len(shots) == 2 and shots[-1][1] == "disgust"  # most similar example last, next to the text
    assert all(t != texts[0] for t, _ in retriever.nearest([texts[0]], k=3)[0])  # never its own row


def test_finetune_format_validation():
    good = {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": '{"emotion": "joy"}'},
        ]
    }
    validate_example(good)
    with pytest.raises(ValueError, match="last message"):
        validate_example({"messages": good["messages"][:2]})
    with pytest.raises(ValueError, match="bad role"):
        validate_example({"messages": [{"role": "robot", "content": "x"}]})


def test_missing_key_and_unreachable_server_are_not_ready(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    paid = LLMClassifier(load_presets()["openai-gpt-4o-mini"], cache=AnswerCache(tmp_path / "a.sqlite"))
    assert not paid.status().ready and "OPENAI_API_KEY" in paid.status().reason
    down = classifier(f"http://127.0.0.1:{free_port()}/v1", tmp_path)
    status = down.status()
    assert not status.ready and "not reachable" in status.reason


@pytest.fixture
def other_app():
    """Another web app on a loopback port: every path answers 200, with an HTML page or another model list."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            html = self.server.mode == "html"
            body = (
                b"<!doctype html><title>Streamlit</title>"
                if html
                else json.dumps(
                    {
                        "object": "list",
                        "data": [{"id": "someone-else", "object": "model", "created": 0, "owned_by": "x"}],
                    }
                ).encode()
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if html else "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.mode = "html"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_a_preset_address_answered_by_another_app_is_not_ready(other_app, tmp_path):
    """Another web app at a preset's address (Streamlit itself, say) reads 'not ready', never crashes a page."""
    url = f"http://127.0.0.1:{other_app.server_address[1]}/v1"
    status = classifier(url, tmp_path).status()
    assert not status.ready and "answers, but not as an OpenAI-compatible server" in status.reason
    other_app.mode = "json"
    checked = LLMClassifier(preset(url, check_model=True), cache=AnswerCache(tmp_path / "c.sqlite"))
    status = checked.status()
    assert not status.ready and "serves someone-else, not" in status.reason
    assert classifier(url, tmp_path).status().ready  # without the check, any model list will do


def test_the_embedded_preset_checks_it_talks_to_its_own_server():
    embedded = load_presets()["local-smollm2"]
    assert embedded.check_model and ":28765/" in embedded.base_url


def test_a_server_killed_by_an_illegal_instruction_says_how_to_fix_it():
    from emotion.llm.server import died_because

    assert "GGML_NATIVE=OFF" in died_because(4) and died_because(9) == "signal SIGKILL"


def test_estimate_counts_only_uncached_rows(tmp_path):
    model = classifier(
        "http://127.0.0.1:9/v1", tmp_path, preset={"price_input_per_mtok": 1.0, "price_output_per_mtok": 2.0}
    )
    first = model.estimate(TEXTS)
    assert first.rows == len(TEXTS) and first.cached == 0 and first.cost_usd > 0
    model.cache.put(model.keys([TEXTS[0]])[0], '{"emotion": "joy"}', None, True)
    second = model.estimate(TEXTS)
    assert second.cached == 1 and second.input_tokens < first.input_tokens


# --- faults, against a small misbehaving server -----------------------------------------------------


@pytest.fixture
def faulty():
    servers = []

    def make(mode, **kwargs):
        servers.append(FaultyServer(mode, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.mark.parametrize("mode", ["garbage", "error500"])
def test_bad_servers_mark_every_row_failed(faulty, tmp_path, mode):
    server = faulty(mode)
    model = classifier(server.url, tmp_path, max_retries=1, concurrency=2)
    result = model.classify(TEXTS)
    assert len(result.errors) == len(TEXTS)
    assert all(e and e.startswith("request failed") for e in result.errors)
    assert np.isnan(result.proba).all()
    if mode == "error500":
        assert server.requests == len(TEXTS) * 2  # one retry each


def test_retries_recover_from_transient_errors(faulty, tmp_path):
    server = faulty("flaky", failures=2)
    model = classifier(server.url, tmp_path, max_retries=3, concurrency=1, preset={"logprobs": False})
    result = model.classify(TEXTS[:2])
    assert result.labels == ["joy", "joy"] and result.one_hot
    assert server.requests == 4


def test_timeouts_are_explicit(faulty, tmp_path):
    server = faulty("slow", delay=3.0)
    model = classifier(server.url, tmp_path, timeout=0.5, max_retries=0, concurrency=2)
    started = time.time()
    result = model.classify(TEXTS[:2])
    assert time.time() - started < 3.0
    assert all("APITimeoutError" in e for e in result.errors)


def test_a_caller_giving_up_sends_nothing_more(faulty, tmp_path):
    """A stopped bulk run raises from the progress callback: queued requests are cancelled, not sent."""
    server = faulty("slow", delay=0.2)
    model = classifier(server.url, tmp_path, concurrency=1, preset={"logprobs": False})
    texts = [f"text {i}" for i in range(20)]

    def give_up(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.classify(texts, progress=give_up)
    time.sleep(0.5)
    assert server.requests <= 3  # two answered, at most one already in flight
    assert model.estimate(texts).cached == 2  # answered rows were kept


def test_wrong_key_never_leaks(faulty, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    server = faulty("auth")
    model = classifier(server.url, tmp_path, api_key=SECRET, concurrency=1, max_retries=0)
    result = model.classify(TEXTS)
    assert all(e and ("AuthenticationError" in e or "rejected the API key" in e) for e in result.errors)
    assert sum("AuthenticationError" in e for e in result.errors) >= 1
    assert server.requests < len(TEXTS)  # the run stops sending once the key is rejected
    for text in [*result.errors, caplog.text, repr(model), str(model.status())]:
        assert SECRET not in text
    assert "rejected" in model.status().reason


# --- a real llama.cpp server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of the test setup (requirements-dev.txt)")
    port = free_port()
    process = start_llama(port)
    yield port
    died = process.poll()
    process.terminate()
    process.wait(10)
    if died is not None:  # the server died under the tests: say why instead of leaving "Connection error"
        from emotion.llm.server import died_because

        pytest.fail(f"the llama.cpp server died during the tests: {died_because(-died) if died < 0 else died}")


@pytest.mark.llm_server
def test_llama_end_to_end_with_cache(llama, tmp_path):
    model = classifier(f"http://127.0.0.1:{llama}/v1", tmp_path, concurrency=2, timeout=120)
    assert model.status().ready
    before = stats(llama)["requests"]
    result = model.classify(TEXTS[:4])
    answered = [i for i, e in enumerate(result.errors) if e is None]
    assert answered, result.errors
    for i in answered:  # structured output: always one of the seven, probabilities sum to 1
        assert result.labels[i] is not None
        assert result.proba[i].sum() == pytest.approx(1)
    assert stats(llama)["requests"] - before == 4
    assert stats(llama)["max_active"] <= 2
    usage = model.usage.to_dict()  # the tokens llama.cpp reported: the prompt and the short JSON answer
    assert usage["requests"] == usage["reported"] == 4
    assert usage["input_tokens"] > 4 * 50 and 4 * 2 <= usage["output_tokens"] <= 4 * 20
    again = model.classify(TEXTS[:4])
    assert stats(llama)["requests"] - before == 4  # second run: zero requests
    assert model.usage.to_dict() == usage  # and nothing counted
    assert again.labels == result.labels


@pytest.mark.llm_server
def test_llama_names_themes_through_the_openai_client(llama, tmp_path):
    """emotion/themes/naming.py against a real server (the protocol; a 135M model's names are no measure)."""
    from emotion.themes.naming import ThemeNamer

    themes = [
        {"name": "parcel / late", "terms": ["parcel", "late", "tracking"], "examples": ["My parcel is 5 days late."]},
        {"name": "password / reset", "terms": ["password", "reset"], "examples": ["The reset link expired."]},
    ]
    namer = ThemeNamer(preset(f"http://127.0.0.1:{llama}/v1"), cache=AnswerCache(tmp_path / "a.sqlite"), timeout=120)
    before = stats(llama)["requests"]
    names = namer.names(themes)
    assert stats(llama)["requests"] - before == 2
    assert all(0 < len(name) <= 80 and name.lower() != "other" for name in names.values()), names
    assert len(set(names.values())) == len(names)
    assert namer.names(themes) == names and stats(llama)["requests"] - before == 2  # cached


@pytest.mark.llm_server
def test_server_killed_mid_run_loses_nothing(tmp_path):
    pytest.importorskip("llama_cpp")
    port = free_port()
    process = start_llama(port)
    model = classifier(f"http://127.0.0.1:{port}/v1", tmp_path, concurrency=1, max_retries=0, timeout=60)
    texts = [f"{t} (case {i})" for i in range(4) for t in TEXTS]
    done = []
    runner = threading.Thread(target=lambda: done.append(model.classify(texts, progress=lambda d, n: None)))
    runner.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(model.cache.get_many(model.keys(texts))) < 2:
        time.sleep(0.2)
    process.kill()
    process.wait(10)
    runner.join(300)
    result = done[0]
    labelled = [i for i, e in enumerate(result.errors) if e is None or e.startswith("answer maps")]
    failed = [i for i, e in enumerate(result.errors) if e and e.startswith("request failed")]
    assert len(labelled) + len(failed) == len(texts)  # every row accounted for
    assert len(labelled) >= 2 and failed
    assert len(model.cache.get_many(model.keys(texts))) == len(labelled)  # answered rows stay cached
