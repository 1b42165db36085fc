"""Country names as shoppers type them (Italian or English) -> ISO 3166 codes for shop.yml zones.

NLU synonyms (data/nlu/entities.yml) already turn colloquial names ("uk", "olanda", "sardegna")
into codes; this resolves every other country name through pycountry's ISO tables and their
Italian translations.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry


def _fold(name: str) -> str:
    return " ".join(name.lower().replace("the ", " ").split())


@lru_cache(maxsize=1)
def _names_to_codes() -> dict[str, str]:
    italian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["it"])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in {
            country.name,
            getattr(country, "common_name", country.name),
            getattr(country, "official_name", country.name),
        }:
            names[_fold(name)] = country.alpha_2
            names[_fold(italian.gettext(name))] = country.alpha_2
    return names


def country_code(value: str) -> str | None:
    """ISO code for a country code or name in Italian or English; None when unknown."""
    value = value.strip()
    if value.upper() in {"IT-82", "IT-88"} or (len(value) == 2 and pycountry.countries.get(alpha_2=value.upper())):
        return value.upper()
    return _names_to_codes().get(_fold(value))
