"""`python -m voice`: the voice gateway on VOICE_HOST:VOICE_PORT (AudioSocket on AUDIOSOCKET_PORT)."""

import uvicorn

from voice.app import create_app
from voice.settings import VoiceSettings


def main() -> None:
    settings = VoiceSettings()
    uvicorn.run(create_app(settings), host=settings.voice_host, port=settings.voice_port, log_level="warning")


if __name__ == "__main__":  # the speaker's worker process imports this module again: it must not serve
    main()
