"""LLMs as classifiers through the ``openai`` client: OpenAI API, Ollama, vLLM, llama.cpp."""

from __future__ import annotations

import json
import math
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import openai

from emotion.classifier import Classifier, Predictions, Progress, Status, TokenUsage
from emotion.labels import LABEL_INDEX, LABELS, to_label
from emotion.llm.cache import AnswerCache, answer_key
from emotion.llm.presets import Preset
from emotion.llm.prompts import load_prompt
from emotion.llm.quota import QuotaExceeded, RequestQuota

ANSWER_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "emotion_label",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"emotion": {"type": "string", "enum": list(LABELS)}},
            "required": ["emotion"],
            "additionalProperties": False,
        },
    },
}
_KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-]{2})[A-Za-z0-9_\-*]+")


def server_key(preset, api_key: str | None) -> str | None:
    """The key to send: ``api_key``; with ``None``, the server's (``$<preset.api_key_env>``); with ``""``, none."""
    if api_key is not None:
        return api_key or None
    return os.environ.get(preset.api_key_env) or None


def response_format(preset, schema: dict) -> dict:
    """The ``response_format`` option constraining an answer to ``schema`` (an OpenAI ``json_schema`` format) as
    ``preset.structured_output`` says the server takes it; empty for ``none``."""
    if preset.structured_output == "json_schema":
        return {"response_format": schema}
    if preset.structured_output == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema["json_schema"]["schema"]}}
    return {}


def redact(message: str, key: str | None) -> str:
    """Remove an API key (and anything shaped like an OpenAI key) from a message."""
    if key and len(key) >= 4:
        message = message.replace(key, "***")
    return _KEY_PATTERN.sub(r"\1***", message)


def parse_answer(raw: str) -> str | None:
    """The label in a model's answer: the JSON ``emotion`` field if present, else the strict mapper."""
    try:
        value = json.loads(raw)
        if isinstance(value, dict) and isinstance(value.get("emotion"), str):
            return to_label(value["emotion"])
    except (json.JSONDecodeError, TypeError):
        pass
    return to_label(raw)


def label_distribution(tokens: list, label: str) -> list[float] | None:
    """Probabilities of the seven labels from the top log-probabilities at the label's first token.

    Args:
        tokens: ``choice.logprobs.content``: objects with ``token``, ``logprob``, ``top_logprobs``.
        label: The label parsed from the answer.

    Returns:
        Seven probabilities (alternatives that are a prefix of exactly one label count for it), or
        ``None`` when the answer's label token cannot be found.
    """
    text = "".join(t.token for t in tokens)
    match = next((m for m in re.finditer(r"[A-Za-z]+", text) if to_label(m.group()) == label), None)
    if match is None:
        return None
    position = 0
    for token in tokens:
        if position + len(token.token) > match.start():
            break
        position += len(token.token)
    mass = np.zeros(len(LABELS))
    for alternative in token.top_logprobs or [token]:
        piece = alternative.token.strip().strip('"').lower()
        owners = [i for i, name in enumerate(LABELS) if piece and name.startswith(piece)]
        if len(owners) == 1:
            mass[owners[0]] += math.exp(alternative.logprob)
    if mass[LABEL_INDEX[label]] <= 0:
        return None
    return (mass / mass.sum()).tolist()


@dataclass(frozen=True)
class Estimate:
    """What a run over some texts will cost before it starts."""

    rows: int
    cached: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    seconds: float


class LLMClassifier(Classifier):
    """Zero-shot or retrieval few-shot classification by an OpenAI-compatible chat model.

    Args:
        preset: The endpoint and model.
        api_key: Overrides the key from the environment; kept only on this object. ``""`` means none at all, not
            even the server's (a signed-in user the deployment does not let spend it).
        prompt_mode: ``zero_shot`` or ``few_shot``.
        k: Few-shot examples per prompt.
        concurrency: Requests in flight at once.
        timeout: Seconds per request before it is retried.
        max_retries: The client's own retries with backoff (429, 5xx, timeouts, connection errors).
        cache: Answer cache (default: the shared SQLite file).
        retriever: Example source for few-shot prompts (default: ISEAR train, built lazily).
        quota: The signed-in user's daily cap on the server's key: each request takes one before it is sent; rows
            past the cap are not sent and say why.
    """

    family = "llm"
    probabilities = False
    explains_freely = False  # each explanation sends one request per word

    def __init__(
        self,
        preset: Preset,
        api_key: str | None = None,
        prompt_mode: str = "zero_shot",
        k: int = 4,
        concurrency: int = 4,
        timeout: float = 30.0,
        max_retries: int = 2,
        cache: AnswerCache | None = None,
        retriever=None,
        quota: RequestQuota | None = None,
    ) -> None:
        self.preset = preset
        self.name = f"llm:{preset.name}"
        self.description = preset.label or preset.model
        self.prompt = load_prompt(prompt_mode)
        self.prompt_mode = prompt_mode
        self.k = k
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.cache = cache
        self.retriever = retriever
        self.quota = quota
        self.requests_sent = 0
        self.usage = TokenUsage()
        self.default_batch_size = concurrency
        self._api_key = server_key(preset, api_key)

    def __repr__(self) -> str:  # never show the key
        return f"LLMClassifier(preset={self.preset.name!r}, mode={self.prompt_mode!r})"

    def evaluation_key(self, name: str) -> str:
        """``llm:<preset> (zero-shot)``: the prompt mode is part of the system evaluated."""
        return f"{name} ({self.prompt_mode.replace('_', '-')})"

    def evaluation_info(self) -> dict:
        return {"endpoint": self.preset.base_url, "llm": self.preset.model, "prompt": self.prompt.version}

    def status(self, probe: bool = True) -> Status:
        """Not ready without a needed key, or when the server does not answer ``GET /models``."""
        if self.preset.needs_key and not self._api_key:
            return Status(False, f"no API key: set {self.preset.api_key_env} or enter a key in the sidebar")
        if not probe:
            return Status(True)
        probe_client = openai.OpenAI(
            api_key=self._api_key or "not-needed", base_url=self.preset.base_url, timeout=2.0, max_retries=0
        )
        hint = f"; {self.preset.start_hint}" if self.preset.start_hint else ""
        try:
            served = [model.id for model in probe_client.models.list().data]
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            return Status(False, f"API key rejected by {self.preset.base_url} (HTTP {error.status_code})")
        except openai.APIStatusError:
            return Status(True)  # the server answers; some servers have no /models route
        except openai.APIError as error:
            return Status(False, f"server not reachable at {self.preset.base_url} ({type(error).__name__}){hint}")
        except Exception as error:  # something else answers there (a web page, another app's JSON)
            return Status(
                False,
                f"{self.preset.base_url} answers, but not as an OpenAI-compatible server "
                f"({type(error).__name__}){hint}",
            )
        if self.preset.check_model and self.preset.model not in served:
            listed = ", ".join(map(str, served[:5])) or "none"
            return Status(False, f"the server at {self.preset.base_url} serves {listed}, not {self.preset.model}{hint}")
        return Status(True)

    def _client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=self._api_key or "not-needed",
            base_url=self.preset.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )

    def _cache(self) -> AnswerCache:
        if self.cache is None:
            self.cache = AnswerCache()
        return self.cache

    def keys(self, texts: list[str]) -> list[str]:
        """Cache keys: endpoint, model, prompt version (and mode, k) and text."""
        version = self.prompt.version + (f"-k{self.k}" if self.prompt_mode == "few_shot" else "")
        return [answer_key(self.preset.base_url, self.preset.model, version, text) for text in texts]

    def _examples(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        if self.prompt_mode != "few_shot":
            return [[] for _ in texts]
        if self.retriever is None:
            from emotion.llm.retrieval import Retriever

            self.retriever = Retriever.from_isear_train()
        return self.retriever.nearest(texts, self.k)

    def _ask(self, client: openai.OpenAI, text: str, examples: list[tuple[str, str]]) -> tuple[str, list[float] | None]:
        options = {"temperature": 0, "max_tokens": 20}
        if self.preset.logprobs:
            options.update(logprobs=True, top_logprobs=10)
        options.update(response_format(self.preset, ANSWER_SCHEMA))
        self.requests_sent += 1
        response = client.chat.completions.create(
            model=self.preset.model, messages=self.prompt.messages(text, examples), **options
        )
        self.usage.add(response.usage)
        choice = response.choices[0]
        answer = (choice.message.content or "").strip()
        label = parse_answer(answer)
        proba = None
        if label and choice.logprobs and choice.logprobs.content:
            proba = label_distribution(choice.logprobs.content, label)
        return answer, proba

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        keys = self.keys(texts)
        answers = self._cache().get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in answers]
        errors: dict[int, str] = {}
        done = len(texts) - len(todo)
        if progress:
            progress(done, len(texts))
        if todo:
            examples = self._examples([texts[i] for i in todo])
            client, stop = self._client(), threading.Event()

            def work(i: int, shots: list[tuple[str, str]]) -> tuple[str, list[float] | None]:
                if stop.is_set():
                    raise RuntimeError("not sent: the endpoint rejected the API key")
                if self.quota is not None:
                    self.quota.take()
                return self._ask(client, texts[i], shots)

            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                futures = {pool.submit(work, i, shots): i for i, shots in zip(todo, examples, strict=True)}
                try:
                    for future in as_completed(futures):
                        i = futures[future]
                        try:
                            answer, proba = future.result()
                        except QuotaExceeded as error:
                            errors[i] = str(error)
                        except Exception as error:
                            if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
                                stop.set()
                            errors[i] = redact(f"request failed: {type(error).__name__}: {error}", self._api_key)
                        else:
                            one_hot = proba is None
                            answer = redact(answer, self._api_key)  # an endpoint may echo the key: never stored
                            self._cache().put(keys[i], answer, proba, one_hot)
                            answers[keys[i]] = (answer, proba, one_hot)
                        done += 1
                        if progress:
                            progress(done, len(texts))
                except BaseException:
                    for future in futures:  # the caller gave up (e.g. a stopped run): send nothing more
                        future.cancel()
                    raise
        return self._assemble(texts, keys, answers, errors)

    def _assemble(self, texts, keys, answers, errors) -> Predictions:
        proba = np.full((len(texts), len(LABELS)), np.nan)
        messages: list[str | None] = [None] * len(texts)
        any_one_hot = False
        for i, key in enumerate(keys):
            if i in errors:
                messages[i] = errors[i]
                continue
            answer, distribution, _one_hot = answers[key]
            label = parse_answer(answer)
            if label is None:
                messages[i] = redact(f"answer maps to no label: {answer[:60]!r}", self._api_key)
            elif distribution is not None:
                proba[i] = distribution
            else:
                proba[i] = np.eye(len(LABELS))[LABEL_INDEX[label]]
                any_one_hot = True
        return Predictions(proba, messages, one_hot=any_one_hot)

    @property
    def expected_texts_per_s(self) -> float:
        """Requests in flight over the preset's seconds per request."""
        return self.concurrency / self.preset.seconds_per_request

    def tokens(self, texts: list[str]) -> tuple[int, int]:
        """Approximate input and output tokens to classify ``texts`` (4 characters a token, 8 tokens out)."""
        prompt_chars = len(self.prompt.system) + len(self.prompt.user)
        shot_chars = self.k * 160 if self.prompt_mode == "few_shot" else 0
        return (sum(map(len, texts)) + len(texts) * (prompt_chars + shot_chars)) // 4, len(texts) * 8

    def token_usage(self) -> TokenUsage:
        """What the endpoint reported for the requests this classifier sent (cached answers count nothing)."""
        return self.usage

    def usage_cost_usd(self, usage: TokenUsage) -> float | None:
        """``usage`` at the preset's prices."""
        return self.preset.cost_usd(usage.input_tokens, usage.output_tokens)

    def cost_usd(self, texts: list[str]) -> float | None:
        """What classifying ``texts`` costs at the preset's prices, cache aside (``None``: no price known)."""
        return self.preset.cost_usd(*self.tokens(texts))

    def estimate_run(self, texts) -> tuple[float, float | None]:
        estimate = self.estimate(list(texts))
        return estimate.seconds, estimate.cost_usd

    def estimate(self, texts: list[str]) -> Estimate:
        """Rows not yet cached, their approximate tokens (4 characters a token), cost and time."""
        unique = list(dict.fromkeys(texts))
        keys = self.keys(unique)
        cached = self._cache().get_many(keys)
        remaining = [text for text, key in zip(unique, keys, strict=True) if key not in cached]
        todo = len(remaining)
        input_tokens, output_tokens = self.tokens(remaining)
        cost = self.cost_usd(remaining)
        seconds = todo * self.preset.seconds_per_request / self.concurrency
        return Estimate(len(unique), len(cached), input_tokens, output_tokens, cost, seconds)
