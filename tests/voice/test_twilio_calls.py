"""Calls over Twilio Media Streams: a fake Twilio plays festival-synthesized caller speech in
real time (20 ms mu-law frames) into the gateway, which talks to the real hub and assistant,
recognizes with pocketsphinx and answers with espeak-ng speech."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from audio_checks import assert_line_format, assert_real_time, assert_speech, speech_onset
from fake_caller import Reply, TwilioCaller, twilio_signature
from fake_providers import TWILIO_SID, TWILIO_TOKEN
from speech import caller_speech
from voice_stack import (
    AGENT,
    ENGLISH_NUMBER,
    HANGUL_WORDS,
    REPROMPT_SECONDS,
    TRANSFER_NUMBER,
    Gateway,
    bot_answer_to,
    said_by,
    transcript,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from voice.twilio import twilio_signature as gateway_signature

MULAW_FRAME_BYTES = 160  # 20 ms at 8 kHz, one byte a sample


async def english_call(gateway: Gateway) -> TwilioCaller:
    return await TwilioCaller(gateway.url, TWILIO_TOKEN, to=ENGLISH_NUMBER).dial()


async def test_the_webhook_answers_with_a_stream_and_checks_signatures(gateway: Gateway) -> None:
    url = f"{gateway.url}/twilio/voice"
    form = {"CallSid": "CA" + "1" * 32, "AccountSid": TWILIO_SID, "From": "+447700900123", "To": ENGLISH_NUMBER}
    async with httpx.AsyncClient() as http:
        signed = {"X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, form)}
        answer = await http.post(url, data=form, headers=signed)
        forged = await http.post(url, data=form, headers={"X-Twilio-Signature": twilio_signature("wrong", url, form)})
        unsigned = await http.post(url, data=form)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
    stream = f"{gateway.url.replace('http', 'ws', 1)}/twilio/stream"
    assert f'<Connect><Stream url="{stream}">' in answer.text
    assert f'<Parameter name="to" value="{ENGLISH_NUMBER}" />' in answer.text
    assert forged.status_code == 403 and unsigned.status_code == 403

    async with connect(stream, additional_headers={"X-Twilio-Signature": "forged"}) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008


async def test_a_caller_asks_for_an_order_and_keys_in_its_number(gateway: Gateway) -> None:
    caller = await english_call(gateway)
    await caller.bot_talking(for_seconds=2)
    greeting = Reply(caller.bot_frames)
    assert_speech(greeting, min_seconds=2)
    assert_line_format(greeting.frames, MULAW_FRAME_BYTES)
    assert_real_time(greeting.frames)

    stopped = await caller.say(caller_speech("where is my order"))  # over the rest of the greeting
    await caller.bot_talking(for_seconds=2, since=stopped)
    question = Reply([frame for frame in caller.bot_frames if frame.at > stopped])
    assert_speech(question, min_seconds=2)
    assert_real_time(question.frames)

    keyed = await caller.press("100002#")  # the first key also stops the question
    await caller.bot_talking(for_seconds=1, since=keyed)
    await caller.close()

    entries = await transcript(gateway.hub_url, gateway.conversation_of(caller.call_sid))
    assert said_by(entries, "shopper") == ["where is my order", "100002"]
    assert "order number" in bot_answer_to(entries, "where is my order").lower()
    assert "email" in bot_answer_to(entries, "100002").lower()  # the assistant took the keyed-in number
    assert gateway.call_record(caller.call_sid)["language"] == "en"  # by the called number


async def test_the_caller_talks_over_the_greeting_and_it_stops_at_once(gateway: Gateway) -> None:
    barge_ins_before = gateway.metric("voice_barge_ins_total")
    caller = await english_call(gateway)
    await caller.bot_talking(for_seconds=1.5)  # the greeting is playing...
    speech = caller_speech("where is my order")
    stopped = await caller.say(speech)  # ...and the caller talks over it
    onset = stopped - (len(speech) / 320 - 1) * 0.02 + speech_onset(speech)

    assert caller.clears, "a barge-in sends Twilio a clear"
    assert caller.clears[0] - onset < 0.35, f"clear {1000 * (caller.clears[0] - onset):.0f} ms after speech onset"
    late = [frame for frame in caller.bot_frames if caller.clears[0] + 0.1 < frame.at < stopped]
    assert not late, f"{len(late)} frames of the greeting were sent after the clear"
    await caller.bot_talking(for_seconds=1, since=stopped)  # the answer to what the caller said
    await caller.close()

    entries = await transcript(gateway.hub_url, gateway.conversation_of(caller.call_sid))
    assert said_by(entries, "shopper") == ["where is my order"]
    assert gateway.metric("voice_barge_ins_total") > barge_ins_before


async def test_a_handoff_transfers_the_call_through_twilio(gateway: Gateway) -> None:
    caller = await english_call(gateway)
    stopped = await caller.say(caller_speech("operator"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    skipped = await caller.press("#")  # the caller skips the rest of the announcement
    update = await asyncio.to_thread(gateway.twilio.wait_for, lambda request: caller.call_sid in request.path, 30)
    assert update.method == "POST"
    assert update.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Calls/{caller.call_sid}.json"
    assert update.auth == (TWILIO_SID, TWILIO_TOKEN)
    assert update.form["Twiml"] == [f"<Response><Dial>{TRANSFER_NUMBER}</Dial></Response>"]
    told = Reply([frame for frame in caller.bot_frames if frame.at > skipped])
    assert_speech(told, min_seconds=1.5)  # "I'm putting you through to a colleague..."
    await caller.close()  # Twilio ends the stream once the call is redirected

    entries = await transcript(gateway.hub_url, gateway.conversation_of(caller.call_sid))
    assert said_by(entries, "shopper") == ["operator"]
    assert any("handoff" in entry["custom"] for entry in entries if entry["role"] == "bot")
    await asyncio.sleep(0.5)
    assert gateway.call_record(caller.call_sid)["end_reason"] == "transferred"


async def test_malformed_events_are_skipped_and_the_call_goes_on(gateway: Gateway) -> None:
    errors_before = gateway.metric("voice_errors_total")
    caller = await english_call(gateway)
    for bad in (
        "{not json",
        json.dumps([1, 2, 3]),
        json.dumps({"event": "media", "streamSid": caller.stream_sid, "media": {"payload": "%%% not base64 %%%"}}),
        json.dumps({"event": "media", "streamSid": caller.stream_sid, "media": {}}),
        json.dumps({"event": "dtmf", "streamSid": caller.stream_sid, "dtmf": {"digit": "X"}}),
        json.dumps({"event": "party", "streamSid": caller.stream_sid}),
    ):
        await caller.send_raw(bad)
    await caller.ws.send(b"\x00\x01binary")
    stopped = await caller.say(caller_speech("where is my order"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    await caller.close()

    assert gateway.metric("voice_errors_total") - errors_before >= 7
    entries = await transcript(gateway.hub_url, gateway.conversation_of(caller.call_sid))
    assert said_by(entries, "shopper") == ["where is my order"]
    assert "order number" in bot_answer_to(entries, "where is my order").lower()


async def test_a_stream_without_a_proper_start_is_closed_and_the_gateway_goes_on(gateway: Gateway) -> None:
    stream = f"{gateway.url.replace('http', 'ws', 1)}/twilio/stream"
    signature = twilio_signature(TWILIO_TOKEN, stream)
    async with connect(stream, additional_headers={"X-Twilio-Signature": signature}) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "start": {"streamSid": "MZ1"}}))  # no callSid
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008

    caller = await english_call(gateway)  # the next call is answered as usual
    await caller.bot_talking(for_seconds=1)
    assert_speech(Reply(caller.bot_frames), min_seconds=1)
    await caller.close()


async def test_silence_gets_a_reprompt_then_a_polite_goodbye(gateway: Gateway) -> None:
    caller = await english_call(gateway)
    await caller.bot_talking(for_seconds=0.5)
    quiet_from = await caller.press("#")  # a key stops the greeting; nothing was keyed in, nothing is sent
    reprompt = await caller.bot_reply(since=quiet_from + 0.3, quiet=1)
    # REPROMPT_SECONDS of silence, then a prompt synthesized on a busy 2-core machine
    waited = reprompt.first_at - quiet_from
    assert REPROMPT_SECONDS - 0.5 < waited < REPROMPT_SECONDS + 2.5, f"re-prompt after {waited:.1f} s of silence"
    goodbye = await caller.bot_reply(since=reprompt.frames[-1].at + 0.3, quiet=1)
    waited = goodbye.first_at - reprompt.frames[-1].at
    assert REPROMPT_SECONDS - 0.5 < waited < REPROMPT_SECONDS + 2.5, f"goodbye after {waited:.1f} s of silence"
    assert_speech(goodbye, min_seconds=1.5)
    assert len(caller.marks) >= 2, "the gateway marks the end of each utterance it played in full"
    await asyncio.wait_for(caller.hung_up.wait(), 10)  # the gateway hung up
    await caller.close()
    await asyncio.sleep(0.3)
    record = gateway.call_record(caller.call_sid)
    assert record["end_reason"] == "goodbye_silence"
    entries = await transcript(gateway.hub_url, record["conversation_id"])
    assert not said_by(entries, "shopper"), "silence and a lone '#' send nothing to the assistant"


async def test_a_refused_transfer_keeps_the_caller_on_the_line_with_the_agent(gateway: Gateway) -> None:
    hub = gateway.hub_url
    async with httpx.AsyncClient(base_url=hub) as agent:
        credentials = {"username": AGENT["username"], "password": AGENT["password"]}
        (await agent.post("/agent/api/login", json=credentials)).raise_for_status()
        cookie = f"agent_session={agent.cookies['agent_session']}"
        async with connect(
            hub.replace("http", "ws", 1) + "/agent/ws", additional_headers={"Cookie": cookie}
        ) as console:
            caller = await english_call(gateway)
            gateway.twilio.gone.add(caller.call_sid)  # Twilio will refuse to redirect this call
            stopped = await caller.say(caller_speech("operator"))
            await caller.bot_talking(for_seconds=1, since=stopped)
            await caller.press("#")
            await asyncio.to_thread(gateway.twilio.wait_for, lambda request: caller.call_sid in request.path, 30)
            conversation_id = gateway.conversation_of(caller.call_sid)
            queue = (await agent.get("/agent/api/queue")).json()
            queued = next(item for item in queue["waiting"] if item["conversation_id"] == conversation_id)
            assert queued["channel"] == "voice"

            api = f"/agent/api/conversations/{conversation_id}"
            (await agent.post(f"{api}/accept")).raise_for_status()
            await console.send(json.dumps({"type": "watch", "conversation_id": conversation_id}))
            sent = time.monotonic()
            text = "Hi, this is Anna from the shop. How can I help you?"
            (await agent.post(f"{api}/messages", json={"text": text})).raise_for_status()
            await caller.bot_talking(for_seconds=1.5, since=sent)  # the agent's words, spoken

            await caller.say(caller_speech("where is my order"))
            async with asyncio.timeout(20):  # the caller's words reach the agent's console
                while True:
                    frame = json.loads(await console.recv())
                    if frame.get("type") == "message" and frame.get("role") == "shopper":
                        break
            assert frame["text"] == "where is my order"
            entries = (await agent.get(api)).json()["transcript"]
            await caller.close()
            await agent.post(f"{api}/resolve", json={"disposition": "solved"})
    assert said_by(entries, "shopper") == ["operator", "where is my order"]
    assert said_by(entries, "agent") == [text]
    last_shopper = max(entry["seq"] for entry in entries if entry["role"] == "shopper")
    assert not [e for e in entries if e["role"] == "bot" and e["seq"] > last_shopper], "the bot stays quiet"
    assert gateway.metric('voice_transfers_total{outcome="failed"') >= 1


def test_signatures_match_twilios_published_examples() -> None:
    # the examples of twilio-python's own tests (auth token 12345)
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"),
    ]
    assert gateway_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert gateway_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


async def test_star_switches_the_call_to_the_other_language(gateway: Gateway) -> None:
    caller = await english_call(gateway)
    await caller.bot_talking(for_seconds=1)
    switched = await caller.press("*")
    await caller.bot_talking(for_seconds=1, since=switched)  # "D'accordo, parliamo in italiano..."
    assert gateway.call_record(caller.call_sid)["language"] == "it"
    # the test gateway's Italian model is the Korean one
    stopped = await caller.say(caller_speech("안녕하세요", "ko", engine="espeak-ng"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    await caller.close()

    entries = await transcript(gateway.hub_url, gateway.conversation_of(caller.call_sid))
    heard = said_by(entries, "shopper")
    assert len(heard) == 1 and HANGUL_WORDS.fullmatch(heard[0]), f"the Italian recognizer heard it: {heard}"
