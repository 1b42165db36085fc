"""The voice gateway: phone calls to the checkout assistant (DESIGN section 8).

Inside the gateway audio is always "line format" (voice/audio.py): 8 kHz, 16-bit mono PCM in
20 ms frames; adapters convert at the edge, recognizers and the synthesizer at theirs.
"""
