"""The browser phone page's WebSocket (voice/browser.py), spoken to directly: a bad start
closes it, bad messages are refused one by one and the call goes on."""

from __future__ import annotations

import asyncio
import json

import pytest
from speech import caller_speech
from voice_stack import Gateway
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from voice.audio import resample


async def test_the_phone_socket_refuses_bad_messages_and_goes_on(gateway: Gateway) -> None:
    url = gateway.url.replace("http", "ws", 1) + "/browser/call"
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "language": "de", "rate": 48000}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008 and "language" in closed.value.rcvd.reason

    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "language": "en", "rate": 16000}))
        assert json.loads(await ws.recv()) == {"type": "ready", "language": "en"}
        refused = []
        for bad in (bytes(321), "{not json", json.dumps({"type": "dtmf", "digit": "X"}), json.dumps({"type": "x"})):
            await ws.send(bad)
            while (message := await ws.recv()) and not (isinstance(message, str) and '"error"' in message):
                pass  # bot audio and captions meanwhile
            refused.append(json.loads(message)["message"])
        assert len(refused) == 4 and "odd" in refused[0]
        await ws.send(resample(caller_speech("where is my order"), 8000, 16000))  # the call goes on
        await ws.send(json.dumps({"type": "hangup"}))
        async with asyncio.timeout(10):
            while not (isinstance(message := await ws.recv(), str) and json.loads(message)["type"] == "hangup"):
                pass
