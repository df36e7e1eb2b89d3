"""Reusable concepts: Reviewing, Requesting (HTTP), Extracting (typed LLM calls), ..."""
