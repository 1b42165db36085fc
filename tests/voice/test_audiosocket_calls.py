"""Calls over Asterisk AudioSocket: a fake Asterisk sends TLV frames of festival-synthesized
caller speech in real time; the gateway answers with paced 16-bit 8 kHz audio. The Vosk path is
proven here too: the test gateway's Italian model is the Korean Vosk model from PyPI; it recognizes
Korean espeak-ng speech, and the words reach the hub (tests/voice/conftest.py)."""

from __future__ import annotations

import asyncio
import uuid

from audio_checks import assert_line_format, assert_real_time, assert_speech, speech_onset
from fake_caller import AUDIO, DTMF, UUID, AudioSocketCaller, Reply, tlv
from fake_providers import ARI_PASSWORD, ARI_USER
from speech import caller_speech, silence
from voice_stack import (
    ENGLISH_NUMBER,
    HANGUL_WORDS,
    ITALIAN_NUMBER,
    TRANSFER_ENDPOINT,
    Gateway,
    bot_answer_to,
    said_by,
    transcript,
)

LINE_FRAME_BYTES = 320


def english_caller(gateway: Gateway) -> AudioSocketCaller:
    """A call to the English number, as the dialplan publishes it through ARI."""
    caller = AudioSocketCaller(gateway.audiosocket_port)
    gateway.asterisk.globals[f"VOICE_CALLED_{uuid.UUID(caller.call_uuid).hex}"] = ENGLISH_NUMBER
    return caller


async def test_a_caller_asks_for_an_order_and_keys_in_its_number(gateway: Gateway) -> None:
    caller = await english_caller(gateway).dial()
    await caller.bot_talking(for_seconds=2)
    greeting = Reply(caller.bot_frames)
    assert_speech(greeting, min_seconds=2)
    assert_line_format(greeting.frames, LINE_FRAME_BYTES)
    assert_real_time(greeting.frames)

    stopped = await caller.say(caller_speech("where is my order"))
    await caller.bot_talking(for_seconds=2, since=stopped)
    question = Reply([frame for frame in caller.bot_frames if frame.at > stopped])
    assert_speech(question, min_seconds=2)
    assert_real_time(question.frames)
    keyed = await caller.press("100002#")
    await caller.bot_talking(for_seconds=1, since=keyed)
    await caller.close()

    record = gateway.call_record(caller.call_uuid)
    assert record["language"] == "en"  # the called number, published by the dialplan, read through ARI
    entries = await transcript(gateway.hub_url, record["conversation_id"])
    assert said_by(entries, "shopper") == ["where is my order", "100002"]
    assert "order number" in bot_answer_to(entries, "where is my order").lower()
    assert "email" in bot_answer_to(entries, "100002").lower()


async def test_bot_audio_stops_within_300_ms_when_the_caller_talks(gateway: Gateway) -> None:
    caller = await english_caller(gateway).dial()
    await caller.bot_talking(for_seconds=1.5)
    speech = caller_speech("where is my order")
    stopped = await caller.say(speech)
    onset = stopped - (len(speech) / 320 - 1) * 0.02 + speech_onset(speech)
    greeting_tail = [frame for frame in caller.bot_frames if onset < frame.at < stopped]
    assert greeting_tail, "the greeting was still playing when the caller spoke"
    assert greeting_tail[-1].at - onset < 0.35, f"audio went on {1000 * (greeting_tail[-1].at - onset):.0f} ms"
    await caller.bot_talking(for_seconds=1, since=stopped)
    await caller.close()


async def test_a_handoff_transfers_the_call_through_the_dialplan(gateway: Gateway) -> None:
    caller = await english_caller(gateway).dial()
    stopped = await caller.say(caller_speech("operator"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    skipped = await caller.press("#")  # the caller skips the rest of the announcement
    await asyncio.wait_for(caller.hung_up.wait(), 30)
    assert caller.hangup_received, "the gateway leaves with a hangup frame, so the dialplan goes on"
    key = uuid.UUID(caller.call_uuid).hex
    variable = gateway.asterisk.wait_for(lambda request: f"VOICE_TRANSFER_{key}" in request.query.get("variable", []))
    assert (variable.method, variable.path) == ("POST", "/ari/asterisk/variable")
    assert variable.query == {"variable": [f"VOICE_TRANSFER_{key}"], "value": [TRANSFER_ENDPOINT]}
    assert variable.auth == (ARI_USER, ARI_PASSWORD)
    assert gateway.asterisk.globals[f"VOICE_TRANSFER_{key}"] == TRANSFER_ENDPOINT
    assert_speech(Reply([frame for frame in caller.bot_frames if frame.at > skipped]), min_seconds=1.5)
    await caller.close()
    assert gateway.call_record(caller.call_uuid)["end_reason"] == "transferred"


async def test_bad_frames_are_skipped_and_the_call_goes_on(gateway: Gateway) -> None:
    errors_before = gateway.metric("voice_errors_total")
    caller = await english_caller(gateway).dial()
    await caller.send_raw(tlv(0x42, b"what is this"))  # unknown kind
    await caller.send_raw(tlv(AUDIO, bytes(321)))  # odd-length audio
    await caller.send_raw(tlv(DTMF, b"x"))  # not a key
    await caller.send_raw(tlv(UUID, uuid.uuid4().bytes))  # a second UUID
    stopped = await caller.say(caller_speech("where is my order"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    assert gateway.metric("voice_errors_total") - errors_before >= 4

    await caller.send_raw(tlv(AUDIO, bytes(320))[:50])  # the connection ends inside a frame
    caller.writer.close()
    await asyncio.sleep(1)
    record = gateway.call_record(caller.call_uuid)
    assert record["end_reason"] == "caller hung up"
    entries = await transcript(gateway.hub_url, record["conversation_id"])
    assert said_by(entries, "shopper") == ["where is my order"]
    await caller.close()


async def test_a_connection_that_does_not_start_with_a_uuid_is_refused(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.audiosocket_port)
    writer.write(tlv(AUDIO, silence(20)))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    assert answer == tlv(0x00), "a hangup frame, then the connection closes"
    writer.close()

    caller = await english_caller(gateway).dial()  # the next call is answered as usual
    await caller.bot_talking(for_seconds=1)
    assert_speech(Reply(caller.bot_frames), min_seconds=1)
    await caller.close()


async def test_vosk_recognizes_the_caller_and_the_words_reach_the_hub(gateway: Gateway) -> None:
    caller = AudioSocketCaller(gateway.audiosocket_port)
    gateway.asterisk.globals[f"VOICE_CALLED_{uuid.UUID(caller.call_uuid).hex}"] = ITALIAN_NUMBER
    await caller.dial()
    await caller.bot_talking(for_seconds=1)
    stopped = await caller.say(caller_speech("안녕하세요", "ko", engine="espeak-ng"))
    await caller.bot_talking(for_seconds=1, since=stopped)
    await caller.close()

    record = gateway.call_record(caller.call_uuid)
    assert record["language"] == "it"  # by the called number; the test's "Italian" model is Korean
    entries = await transcript(gateway.hub_url, record["conversation_id"])
    heard = said_by(entries, "shopper")
    assert len(heard) == 1 and HANGUL_WORDS.fullmatch(heard[0]), f"Vosk's Korean words, got {heard}"
