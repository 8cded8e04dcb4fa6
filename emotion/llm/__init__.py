"""LLM classifiers through the openai client: presets, prompts, answer cache, retrieval."""
