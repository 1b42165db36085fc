"""One phone call, whatever the protocol: the caller's turns go to the hub as text, the hub's
replies come back as speech.

    caller audio -> Listener (VAD, end of turn, STT) -> hub message
    hub entries  -> for_the_ear -> Speaker (sentence by sentence) -> Playback -> Line

Phone manners live here: barge-in (the caller speaks or keys in while the bot talks: playback
stops at once and the rest of the reply is dropped), keypad digits (`#` or a pause ends them),
re-prompt on silence and a polite hang-up after repeated silence, `*` switches between Italian
and English, and the handoff: transfer through the provider when a target is configured,
otherwise stay on the line and relay between the caller and the agent console.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable
from typing import Any

from voice import metrics
from voice.endpointing import TurnDetector
from voice.hub_client import HubConversation, HubUnavailable
from voice.line import CallInfo, Line
from voice.listener import Listener
from voice.playback import Playback
from voice.prompts import prompt
from voice.services import CallRecord, Services
from voice.spoken import for_the_ear
from voice.stt import Recognition, SpeechRecognizer

log = logging.getLogger("voice.call")
TICK_SECONDS = 0.25  # how often silence and keypad timeouts are checked
DIGITS = "0123456789"
WITH_AGENT = ("queued", "agent")


class Call:
    def __init__(self, line: Line, info: CallInfo, services: Services) -> None:
        self.line = line
        self.info = info
        self.services = services
        self.settings = services.settings
        self.language = self.speakable(info.language)
        self.hub = HubConversation(self.settings.voice_hub_url)
        self.playback = Playback(line)
        self.listener: Listener | None = None
        self.inbox: asyncio.Queue[bytes | str] = asyncio.Queue()  # caller frames and keys, in order
        self.ended = asyncio.Event()
        self.end_reason = ""
        self.tasks: list[asyncio.Task] = []
        self.digits = ""
        self.digits_deadline = 0.0
        self.reply_parts: list[str] | None = None  # the bot's entries of the turn being answered
        self.awaiting_reply = False
        self.turn_ended_at: float | None = None  # for the response-time metric
        self.reprompts = 0
        self.quiet_since = 0.0
        self.handoff_state = "bot"
        self.handover_wanted = False
        self.handover: asyncio.Task | None = None
        self.relaying = False  # on the line with the agent console (no provider transfer)
        self.spoken_position: int | None = None
        self.queue_position: int | None = None
        self.record: CallRecord | None = None

    # -- the adapter's side ------------------------------------------------------------------

    def hear(self, frame: bytes) -> None:
        """A 20 ms line frame from the caller."""
        if not self.ended.is_set():
            self.inbox.put_nowait(frame)

    def key(self, digit: str) -> None:
        """A keypad key from the caller."""
        if not self.ended.is_set():
            self.inbox.put_nowait(digit)

    def caller_hung_up(self) -> None:
        self.end("caller hung up")

    # -- life of the call --------------------------------------------------------------------

    async def run(self) -> None:
        """Answer, converse until someone hangs up or the call is transferred, clean up."""
        metrics.CALLS.labels(provider=self.info.provider).inc()
        metrics.ACTIVE_CALLS.inc()
        try:
            await self.guarded(self.answer())
            await self.ended.wait()
        finally:
            metrics.ACTIVE_CALLS.dec()
            if self.record is not None:
                self.record.ended(self.end_reason)
            await self.clean_up()
            log.info("call ended", extra={"call": self.info.call_id, "reason": self.end_reason})

    async def answer(self) -> None:
        try:
            conversation_id = await self.hub.open(self.language)
        except HubUnavailable as error:
            log.error("hub unavailable, call refused", extra={"call": self.info.call_id, "error": str(error)})
            await self.say_and_hang_up("unavailable")
            return
        self.record = CallRecord(self.info.call_id, self.info.provider, self.language, conversation_id)
        self.services.recent_calls.append(self.record)
        log.info(
            "call answered",
            extra={
                "call": self.info.call_id,
                "provider": self.info.provider,
                "conversation": conversation_id,
                "language": self.language,
            },
        )
        self.listener = Listener(self.new_detector(), await self.new_recognizer(self.language), self.show_partial)
        self.greet()
        self.quiet_since = asyncio.get_running_loop().time()
        for work in (self.listen(), self.follow_hub(), self.watch_the_clock()):
            self.spawn(work)

    def spawn(self, work: Awaitable[None]) -> asyncio.Task:
        self.tasks = [task for task in self.tasks if not task.done()]
        task = asyncio.create_task(self.guarded(work))
        self.tasks.append(task)
        return task

    async def guarded(self, work: Awaitable[None]) -> None:
        """A call task that fails ends its call (logged), never the gateway."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call task failed", extra={"call": self.info.call_id})
            metrics.ERRORS.labels(kind="call_task").inc()
            with contextlib.suppress(Exception):
                await self.line.hang_up()
            self.end("internal error")

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()

    async def clean_up(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.playback.stop()
        if self.listener is not None:
            await self.listener.close()
        await self.hub.close()

    async def say_and_hang_up(self, name: str) -> None:
        self.say(name)
        await self.playback.finished()
        await self.line.hang_up()
        self.end(name)

    # -- language ------------------------------------------------------------------------------

    def speakable(self, wanted: str) -> str:
        """The call's language: the one wanted if it can be recognized, else one that can."""
        recognizers = self.services.recognizers
        if recognizers.available(wanted):
            return wanted
        other = other_language(wanted)
        if recognizers.available(other):
            log.warning("no recognizer for the call's language", extra={"wanted": wanted, "using": other})
            return other
        return wanted  # keypad only

    async def new_recognizer(self, language: str) -> SpeechRecognizer | None:
        if not self.services.recognizers.available(language):
            return None
        # creating one loads decoder state: seconds for some engines, so off the event loop
        return await asyncio.to_thread(self.services.recognizers.new, language)

    def new_detector(self) -> TurnDetector:
        return TurnDetector(end_silence_ms=self.settings.voice_end_silence_ms)

    async def switch_language(self) -> None:
        other = other_language(self.language)
        if not self.services.recognizers.available(other):
            return
        self.language = other
        self.record.language = other
        self.listener.use(await self.new_recognizer(other))
        log.info("language switched", extra={"call": self.info.call_id, "language": other})
        self.say("language_switched")

    # -- speaking ------------------------------------------------------------------------------

    def greet(self) -> None:
        self.say("greeting", shop=self.services.shop.shop.name)
        other = other_language(self.language)
        if self.services.recognizers.available(other):
            self.say("other_language", language=other)

    def say(self, name: str, language: str | None = None, **values: object) -> None:
        """A fixed prompt (voice/prompts.py), from the speaker's cache."""
        language = language or self.language
        text = prompt(name, language, **values)
        spoken = for_the_ear(text, [], {}, language)  # e.g. an email address, spelled
        self.playback.play(one_clip(self.services.speaker.prompt(spoken, language)), caption=text)

    def speak(self, text: str, reply: bool) -> None:
        """Text for the ear, synthesized sentence by sentence while the first ones play."""
        if text.strip():
            on_start = self.reply_started if reply else None
            self.playback.play(self.services.speaker.sentences(text, self.language), on_start)

    def reply_started(self) -> None:
        if self.turn_ended_at is not None:
            metrics.RESPONSE_SECONDS.observe(asyncio.get_running_loop().time() - self.turn_ended_at)
            self.turn_ended_at = None

    async def barge_in(self) -> None:
        if await self.playback.interrupt():
            metrics.BARGE_INS.inc()
            log.info("barge-in: playback stopped", extra={"call": self.info.call_id})

    # -- the caller ----------------------------------------------------------------------------

    async def listen(self) -> None:
        while True:
            item = await self.inbox.get()
            if isinstance(item, str):
                await self.on_key(item)
                continue
            event = self.listener.push(item)
            if event == "speech_started":
                self.reprompts = 0
                await self.barge_in()
            elif event == "turn_ended":
                self.turn_ended_at = asyncio.get_running_loop().time()
                self.spawn(self.send_turn(self.listener.end_turn()))

    async def send_turn(self, recognition: Awaitable[Recognition]) -> None:
        text = (await recognition).text.strip()
        if text:
            await self.send(text)
        else:
            log.info("turn without words ignored", extra={"call": self.info.call_id})

    async def on_key(self, key: str) -> None:
        self.reprompts = 0
        await self.barge_in()
        if key == "*" and not self.digits:
            await self.switch_language()
        elif key == "#":
            await self.send_digits()
        elif key in DIGITS:
            self.digits += key
            self.digits_deadline = asyncio.get_running_loop().time() + self.settings.voice_dtmf_timeout_seconds

    async def send_digits(self) -> None:
        digits, self.digits = self.digits, ""
        if digits:
            self.turn_ended_at = asyncio.get_running_loop().time()
            await self.send(digits)

    async def send(self, text: str) -> None:
        self.awaiting_reply = self.handoff_state not in WITH_AGENT
        await self.hub.say(text, {"channel": "voice", "language": self.language})

    async def show_partial(self, text: str) -> None:
        await self.line.caption("caller", text, final=False)

    # -- the hub -------------------------------------------------------------------------------

    async def follow_hub(self) -> None:
        while True:
            frame = await self.hub.next_frame()
            kind = frame.get("type")
            if kind == "message":
                await self.on_entry(frame)
            elif kind == "typing" and frame.get("who", "bot") == "bot":
                self.on_bot_typing(frame["on"])
            elif kind == "handoff":
                self.on_handoff_state(frame)
            elif kind == "status" and frame.get("state") == "delayed":
                self.say("one_moment")
            elif kind == "error":
                log.warning("hub refused a message", extra={"call": self.info.call_id, "code": frame.get("code")})
                self.awaiting_reply = False
            elif kind == "hub_lost":
                await self.say_and_hang_up("unavailable")
                return

    async def on_entry(self, entry: dict[str, Any]) -> None:
        role, text, custom = entry["role"], entry.get("text") or "", entry.get("custom") or {}
        await self.line.caption("caller" if role == "shopper" else role, text, final=True)
        if role == "shopper":
            return
        if "csat_request" in custom:
            return  # rating the agent needs the chat widget
        if "ticket_offer" in custom:  # the widget's ticket form has no phone equivalent
            if not (self.handover is not None and self.line.can_transfer):  # else the call is put through
                self.say("no_agent", email=self.services.shop.support.email)
            return
        if role == "bot" and "handoff" in custom and custom["handoff"].get("support_open", True):
            self.handover_wanted = True
        spoken = for_the_ear(text, entry.get("buttons") or [], custom, self.language)
        if role == "bot" and self.reply_parts is not None:
            self.reply_parts.append(spoken)  # spoken as one reply when the bot stops typing
        else:
            self.speak(spoken, reply=role == "bot")
            self.consider_handover()

    def on_bot_typing(self, on: bool) -> None:
        if on:
            self.reply_parts = []
            return
        parts, self.reply_parts = self.reply_parts or [], None
        self.awaiting_reply = False
        self.speak(" ".join(parts), reply=True)
        self.consider_handover()

    def on_handoff_state(self, frame: dict[str, Any]) -> None:
        self.handoff_state = frame["state"]
        self.queue_position = frame.get("position")
        if self.handoff_state in WITH_AGENT:
            self.awaiting_reply = False
            if self.handoff_state == "queued":
                self.handover_wanted = True
                self.consider_handover()
            if self.relaying:
                self.announce_position()
        elif self.handoff_state in ("bot", "closed"):  # back with the assistant: a later handoff starts afresh
            self.handover_wanted = self.relaying = False
            self.handover = None
            self.spoken_position = None

    def consider_handover(self) -> None:
        """Start the handover once, after the bot's reply that announced it."""
        if self.handover_wanted and self.handover is None and self.reply_parts is None:
            self.handover = self.spawn(self.hand_over())

    async def hand_over(self) -> None:
        await self.playback.finished()
        if self.line.can_transfer:
            self.say("transferring")
            await self.playback.finished()
            if await self.line.transfer():
                metrics.TRANSFERS.labels(provider=self.info.provider, outcome="transferred").inc()
                log.info("call transferred", extra={"call": self.info.call_id})
                self.end("transferred")
                return
            metrics.TRANSFERS.labels(provider=self.info.provider, outcome="failed").inc()
        self.relaying = True
        log.info("relaying to the agent console", extra={"call": self.info.call_id})
        self.announce_position()

    def announce_position(self) -> None:
        if self.handoff_state == "queued" and self.queue_position and self.queue_position != self.spoken_position:
            self.spoken_position = self.queue_position
            self.say("queue_position", position=self.queue_position)

    # -- the clock -----------------------------------------------------------------------------

    async def watch_the_clock(self) -> None:
        """Keypad pauses end a number; silence gets a re-prompt, repeated silence a goodbye."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = loop.time()
            if self.digits and now >= self.digits_deadline:
                await self.send_digits()
            if not self.line_is_quiet():
                self.quiet_since = now
            elif now - self.quiet_since >= self.settings.voice_reprompt_seconds:
                if self.reprompts < self.settings.voice_reprompts:
                    self.reprompts += 1
                    self.say("reprompt")
                else:
                    await self.say_and_hang_up("goodbye_silence")
                    return

    def line_is_quiet(self) -> bool:
        """Nobody is talking or expected to answer (waiting for an agent is not silence)."""
        busy = (
            self.playback.busy
            or self.listener.speaking
            or self.awaiting_reply
            or self.digits
            or self.handoff_state in WITH_AGENT
            or (self.handover is not None and not self.handover.done())
        )
        return not busy


def other_language(language: str) -> str:
    return "en" if language == "it" else "it"


async def one_clip(clip: Awaitable[bytes]) -> AsyncGenerator[bytes, None]:
    yield await clip
