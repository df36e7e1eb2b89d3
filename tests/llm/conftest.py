from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.llm import forbid_real_requests

from .servers import FakeServer, serving

SECRET = "sk-test-not-a-real-key-0123456789"


@pytest.fixture(autouse=True)
def _no_real_models() -> Iterator[None]:
    # Loopback test servers stay reachable; anything else would fail loudly.
    with forbid_real_requests():
        yield


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.delenv("ACCORD_MODEL", raising=False)
    return SECRET


@pytest.fixture
def openai_server() -> Iterator[FakeServer]:
    with serving("openai") as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[FakeServer]:
    with serving("anthropic") as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def _warm_sdks() -> None:
    """One request per SDK first, so that lazy imports inside the SDKs do not count against
    the short per-attempt timeouts of the tests (the machine may be busy)."""
    import asyncio

    from accord.llm.messages import Message, Request
    from accord.llm.models.anthropic import AnthropicModel
    from accord.llm.models.openai import OpenAIModel
    from accord.llm.providers import AnthropicProvider, OpenAIProvider

    from .servers import Answer

    async def warm() -> None:
        request = Request((Message("user", "hi"),), {"type": "object"}, "Warm", "native")
        with serving("openai") as o, serving("anthropic") as a:
            o.play(Answer("{}"))
            a.play(Answer("{}"))
            await OpenAIModel(
                "m", provider=OpenAIProvider(base_url=o.base_url, key_required=False)
            ).request(request, timeout=60)
            await AnthropicModel(
                "m", provider=AnthropicProvider(base_url=a.base_url, api_key_env="PATH")
            ).request(request, timeout=60)

    asyncio.run(warm())
