"""Theme names written by an LLM, on request: one request per theme through the ``openai`` client (any preset),
from the theme's distinctive words and a few of its representative comments.

The cost is estimated before anything is sent (:meth:`ThemeNamer.estimate`); every answer goes to the shared
answer cache, keyed by endpoint, model, prompt version and the exact request, so naming the same themes again
sends nothing. An answer that is no usable name (empty, "other", too long after trimming) leaves the theme's
name as it was; two themes never end with the same name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from emotion.llm.cache import AnswerCache, answer_key
from emotion.llm.classifier import redact, response_format, server_key
from emotion.llm.presets import Preset
from emotion.llm.quota import QuotaExceeded, RequestQuota
from emotion.themes.discover import OTHER
from emotion.themes.taxonomy import MAX_NAME, TaxonomyError, clean_name

PROMPT_VERSION = "theme-name-1"
SYSTEM = (
    "You name the themes of customer feedback. Given a theme's most distinctive words and a few of its comments, "
    'answer with JSON only, {"name": "..."}: two to five plain words saying what the comments are about '
    "(the subject, such as 'late deliveries' or 'password resets'), never the emotion or the sentiment."
)
NAME_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "theme_name",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string", "maxLength": MAX_NAME}},
            "required": ["name"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
MAX_COMMENT = 300
"""Characters of each comment sent (long comments are cut)."""
OUTPUT_TOKENS = 16


@dataclass(frozen=True)
class NamingEstimate:
    """What naming would send: themes, those already answered (cached), approximate tokens, cost and time."""

    themes: int
    cached: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    seconds: float

    def line(self) -> str:
        """``4 themes, 1 already named (cached): 3 requests, about 1,200 tokens, $0.0004, about 3 s``."""
        to_send = self.themes - self.cached
        cost = "price unknown" if self.cost_usd is None else f"${self.cost_usd:,.4f}"
        return (
            f"{self.themes} themes, {self.cached} already named (cached): {to_send} requests, about "
            f"{self.input_tokens + self.output_tokens:,} tokens, {cost}, about {self.seconds:,.0f} s"
        )


def parse_name(answer: str) -> str | None:
    """The name in an answer (JSON ``{"name": ...}`` or a plain line), cleaned; ``None`` when unusable."""
    text = answer.strip()
    match = re.search(r"\{.*\}", text, flags=re.DOTALL)
    parsed = None
    if match:
        try:
            parsed = json.loads(match.group(0)).get("name")
        except (ValueError, AttributeError):
            parsed = None
    if isinstance(parsed, str):
        text = parsed  # whitespace is folded by clean_name
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        text = lines[0] if lines else ""
    text = text.strip().strip("\"'`*#.").strip()
    try:
        return clean_name(text)
    except TaxonomyError:
        return None


class ThemeNamer:
    """Names themes with an OpenAI-compatible chat model.

    Args:
        preset: The endpoint and model (:mod:`emotion.llm.presets`).
        api_key: Overrides the key from the environment; kept only on this object.
        examples: Representative comments sent per theme.
        timeout: Seconds per request before the client retries.
        max_retries: The client's own retries with backoff.
        cache: Answer cache (default: the shared SQLite file).
        quota: The signed-in user's daily cap on the server's key (:class:`emotion.llm.quota.RequestQuota`): each
            request takes one before it is sent; past it, naming stops with the cap's message.
    """

    def __init__(
        self,
        preset: Preset,
        *,
        api_key: str | None = None,
        examples: int = 5,
        timeout: float = 30.0,
        max_retries: int = 2,
        cache: AnswerCache | None = None,
        quota: RequestQuota | None = None,
    ) -> None:
        self.preset, self.examples, self.timeout, self.max_retries = preset, examples, timeout, max_retries
        self.cache, self.quota = cache, quota
        self.requests_sent = 0
        self._api_key = server_key(preset, api_key)

    def __repr__(self) -> str:  # never show the key
        return f"ThemeNamer(preset={self.preset.name!r})"

    def request(self, theme: dict) -> str:
        """The user message for one theme (``{"name", "terms", "examples"}``, as in ``themes.json``)."""
        comments = [" ".join(str(c).split())[:MAX_COMMENT] for c in theme.get("examples", [])[: self.examples]]
        return "\n".join(
            [
                "Distinctive words: " + ", ".join(map(str, theme.get("terms", [])[:10])),
                "Comments:",
                *(f"- {comment}" for comment in comments),
            ]
        )

    def _keys(self, themes: list[dict]) -> list[str]:
        return [answer_key(self.preset.base_url, self.preset.model, PROMPT_VERSION, self.request(t)) for t in themes]

    def _cache(self) -> AnswerCache:
        if self.cache is None:
            self.cache = AnswerCache()
        return self.cache

    def estimate(self, themes: list[dict]) -> NamingEstimate:
        """What naming ``themes`` (all but "other") would send and cost, before anything is sent."""
        themes = [t for t in themes if t["name"] != OTHER]
        keys = self._keys(themes)
        cached = self._cache().get_many(keys)
        todo = [t for t, key in zip(themes, keys, strict=True) if key not in cached]
        input_tokens = sum(len(SYSTEM) + len(self.request(t)) for t in todo) // 4
        output_tokens = OUTPUT_TOKENS * len(todo)
        cost = self.preset.cost_usd(input_tokens, output_tokens)
        return NamingEstimate(
            len(themes),
            len(themes) - len(todo),
            input_tokens,
            output_tokens,
            cost,
            len(todo) * self.preset.seconds_per_request,
        )

    def names(self, themes: list[dict]) -> dict[str, str]:
        """``{current name: suggested name}`` for every theme that got a usable, new name.

        Raises:
            RuntimeError: The endpoint failed (the key, if any, is never in the message).
        """
        import openai

        themes = [t for t in themes if t["name"] != OTHER]
        keys = self._keys(themes)
        cached = self._cache().get_many(keys)
        client = openai.OpenAI(
            api_key=self._api_key or "not-needed",
            base_url=self.preset.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )
        taken = {t["name"] for t in themes}
        renamed: dict[str, str] = {}
        for theme, key in zip(themes, keys, strict=True):
            if key in cached:
                answer = cached[key][0]
            else:
                answer = self._ask(client, theme)
                self._cache().put(key, answer, None, False)
            name = parse_name(answer)
            if name is None or name == theme["name"]:
                continue
            unique, n = name, 2
            while unique in taken:
                unique, n = f"{name} ({n})", n + 1
            taken.discard(theme["name"])
            taken.add(unique)
            renamed[theme["name"]] = unique
        return renamed

    def _ask(self, client, theme: dict) -> str:
        import openai

        options = {"temperature": 0, "max_tokens": OUTPUT_TOKENS, **response_format(self.preset, NAME_SCHEMA)}
        if self.quota is not None:
            try:
                self.quota.take()
            except QuotaExceeded as error:  # nothing sent
                raise RuntimeError(f"naming stopped: {error}") from None
        self.requests_sent += 1
        try:
            response = client.chat.completions.create(
                model=self.preset.model,
                messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": self.request(theme)}],
                **options,
            )
        except openai.APIError as error:
            raise RuntimeError(
                f"naming failed at {self.preset.base_url}: {redact(str(error), self._api_key)}"
            ) from None
        return (response.choices[0].message.content or "").strip()
