"""Call control at the telephony providers: moving a live call to a person.

Twilio: "update a call" (REST) gives the call new TwiML that dials the agent number; Twilio
then ends the media stream. Asterisk: an AudioSocket call runs in the dialplan, not in an ARI
(Stasis) application, so ARI cannot redirect it; instead the gateway sets a global variable
named after the call's UUID through ARI and hangs up the AudioSocket leg, and the dialplan
(README, "Phone calls") dials what that variable says.
"""

from __future__ import annotations

import logging
import re
import uuid
from xml.etree import ElementTree

import httpx

log = logging.getLogger("voice.transfer")
TWILIO_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


class TransferFailed(Exception):
    """The provider refused or did not answer; the call stays with us."""


class TwilioCalls:
    def __init__(self, http: httpx.AsyncClient, api_url: str, account_sid: str, auth_token: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.account_sid = account_sid
        self.auth_token = auth_token

    async def dial(self, call_sid: str, number: str) -> None:
        """Replace the call's TwiML with <Dial>number</Dial>."""
        if not TWILIO_CALL_SID.fullmatch(call_sid):
            raise TransferFailed(f"not a Twilio call SID: {call_sid!r}")
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}.json"
        await send(self.http, "POST", url, auth=(self.account_sid, self.auth_token), data={"Twiml": dial_twiml(number)})


def dial_twiml(number: str) -> str:
    response = ElementTree.Element("Response")
    ElementTree.SubElement(response, "Dial").text = number
    return ElementTree.tostring(response, encoding="unicode")


class AsteriskARI:
    def __init__(self, http: httpx.AsyncClient, ari_url: str, username: str, password: str) -> None:
        self.http = http
        self.ari_url = ari_url.rstrip("/")
        self.auth = (username, password)

    async def dial_after_hangup(self, call_uuid: str, endpoint: str) -> None:
        """Tell the dialplan to dial `endpoint` once the AudioSocket leg of this call ends."""
        await self.set_global(f"VOICE_TRANSFER_{uuid_key(call_uuid)}", endpoint)

    async def called_number(self, call_uuid: str) -> str | None:
        """The number the caller dialled, if the dialplan published it (VOICE_CALLED_<uuid>)."""
        try:
            response = await send(
                self.http,
                "GET",
                f"{self.ari_url}/ari/asterisk/variable",
                auth=self.auth,
                params={"variable": f"VOICE_CALLED_{uuid_key(call_uuid)}"},
            )
        except TransferFailed as error:
            log.warning("called number unknown", extra={"error": str(error)})
            return None
        return response.json().get("value") or None

    async def set_global(self, variable: str, value: str) -> None:
        await send(
            self.http,
            "POST",
            f"{self.ari_url}/ari/asterisk/variable",
            auth=self.auth,
            params={"variable": variable, "value": value},
        )


def uuid_key(call_uuid: str) -> str:
    """The UUID as 32 hex digits, as the dialplan writes it with FILTER(0-9a-f,...)."""
    return uuid.UUID(call_uuid).hex


async def send(http: httpx.AsyncClient, method: str, url: str, **kwargs: object) -> httpx.Response:
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        raise TransferFailed(f"{method} {url}: {error!r}") from error
    if response.is_error:
        raise TransferFailed(f"{method} {url}: HTTP {response.status_code} {response.text[:200]}")
    return response
