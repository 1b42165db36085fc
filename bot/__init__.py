"""The bot hub: the single front door between channels, the Rasa assistant and (later) agents."""
