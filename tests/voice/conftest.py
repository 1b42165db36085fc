"""The session's voice stack as fixtures; what it is made of: tests/voice/voice_stack.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from assistant_processes import running_assistant, running_hub
from fake_providers import ARI_PASSWORD, ARI_USER, TWILIO_SID, TWILIO_TOKEN, FakeAsterisk, FakeTwilio
from gateway_process import running_gateway
from handoff_setup import add_agent, shop_file
from voice_stack import (
    AGENT,
    ENGLISH_NUMBER,
    HUB_SECRET_KEY,
    ITALIAN_NUMBER,
    KOREAN_VOSK_MODEL,
    REPROMPT_SECONDS,
    TRANSFER_ENDPOINT,
    TRANSFER_NUMBER,
    Gateway,
    Stack,
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("voice-stack")
    open_shop = shop_file(workdir, on_duty=True)
    agents_file = workdir / "agents.json"
    add_agent(agents_file, **AGENT)
    with running_assistant(workdir, {"SHOP_FILE": str(open_shop)}) as assistant:
        hub_env = {
            "SHOP_FILE": str(open_shop),
            "AGENTS_FILE": str(agents_file),
            "OUTBOX_DIR": str(workdir / "outbox"),
            "HUB_SECRET_KEY": HUB_SECRET_KEY,
        }
        with running_hub(assistant.rasa_url, workdir, hub_env) as hub_url:
            yield Stack(assistant, hub_url, open_shop, agents_file)


@pytest.fixture(scope="session")
def gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway process against the stack's hub, transfers configured for both providers, whose
    call-control APIs are local fakes."""
    with FakeTwilio() as twilio, FakeAsterisk() as asterisk:
        env = {
            "VOSK_MODEL_IT": str(KOREAN_VOSK_MODEL),
            "VOSK_MODEL_EN": "pocketsphinx",
            "SHOP_FILE": str(stack.shop_file),
            "VOICE_LANGUAGE": "it",
            "VOICE_NUMBER_LANGUAGES": f"{ENGLISH_NUMBER}=en,{ITALIAN_NUMBER}=it",
            "VOICE_REPROMPT_SECONDS": str(REPROMPT_SECONDS),
            "VOICE_REPROMPTS": "1",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_URL": twilio.url,
            "ARI_URL": asterisk.url,
            "ARI_USERNAME": ARI_USER,
            "ARI_PASSWORD": ARI_PASSWORD,
            "VOICE_TRANSFER_NUMBER": TRANSFER_NUMBER,
            "VOICE_TRANSFER_ENDPOINT": TRANSFER_ENDPOINT,
        }
        with running_gateway(stack.hub_url, tmp_path_factory.mktemp("gateway"), env) as process:
            yield Gateway(process.url, process.audiosocket_port, stack.hub_url, twilio, asterisk, process.log)
