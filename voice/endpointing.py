"""Turn taking: when the caller starts speaking (barge-in) and when they have finished (answer now).

webrtcvad classifies each 20 ms frame as voiced or not; this module smooths its decisions. A
frame counts as voiced only if it is also louder than a floor, and webrtcvad's first frames are
ignored: it flags them as speech whatever they hold while its noise model settles.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

import webrtcvad

from voice.audio import FRAME_BYTES, FRAME_MS, LINE_RATE, rms_dbfs

TurnEvent = Literal["speech_started", "turn_ended"]

QUIETEST_SPEECH_DBFS = -50.0
VAD_WARM_UP_FRAMES = 5
# speech starts when ONSET_VOICED of the last ONSET_WINDOW frames are voiced: ~80 ms after the
# first syllable, and a click or a burst of line noise (a frame or two) does not count
ONSET_WINDOW = 5
ONSET_VOICED = 4


class TurnDetector:
    """Feed every 20 ms line frame to push(); it says when a caller's turn starts and ends."""

    def __init__(self, aggressiveness: int = 2, end_silence_ms: int = 700, min_speech_ms: int = 200) -> None:
        """aggressiveness: webrtcvad's 0 (lets most through) to 3 (strictest about what is speech).

        end_silence_ms: the pause that ends a turn; shorter pauses inside a sentence do not.
        min_speech_ms: a turn needs at least this much voiced audio; shorter sounds (a cough,
        a click) are forgotten when the silence after them is long enough to end a turn.
        """
        self._vad = webrtcvad.Vad(aggressiveness)
        self._end_silence_frames = max(1, end_silence_ms // FRAME_MS)
        self._min_speech_frames = max(1, min_speech_ms // FRAME_MS)
        self._frames_seen = 0
        self.reset()

    def push(self, frame: bytes) -> TurnEvent | None:
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"a line frame is {FRAME_BYTES} bytes (20 ms at 8 kHz), got {len(frame)}")
        voiced = self._is_voiced(frame)
        if not self._speaking:
            return self._listen_for_onset(voiced)
        return self._listen_for_end(voiced)

    @property
    def speaking(self) -> bool:
        """Whether a turn is in progress: "speech_started" was returned and the turn has not ended yet."""
        return self._speaking

    def reset(self) -> None:
        """Back to waiting for speech (e.g. after the call loop handled a turn by other means)."""
        self._recent: deque[bool] = deque(maxlen=ONSET_WINDOW)
        self._speaking = False
        self._voiced_frames = 0
        self._silent_frames = 0

    def _is_voiced(self, frame: bytes) -> bool:
        self._frames_seen += 1
        vad_says_speech = self._vad.is_speech(frame, LINE_RATE)  # every frame, so its noise model adapts
        warmed_up = self._frames_seen > VAD_WARM_UP_FRAMES
        return warmed_up and vad_says_speech and rms_dbfs(frame) > QUIETEST_SPEECH_DBFS

    def _listen_for_onset(self, voiced: bool) -> TurnEvent | None:
        self._recent.append(voiced)
        if sum(self._recent) < ONSET_VOICED:
            return None
        self._speaking = True
        self._voiced_frames = sum(self._recent)
        self._silent_frames = 0
        return "speech_started"

    def _listen_for_end(self, voiced: bool) -> TurnEvent | None:
        if voiced:
            self._voiced_frames += 1
            self._silent_frames = 0
            return None
        self._silent_frames += 1
        if self._silent_frames < self._end_silence_frames:
            return None
        had_a_turn = self._voiced_frames >= self._min_speech_frames
        self.reset()
        return "turn_ended" if had_a_turn else None
