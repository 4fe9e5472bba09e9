"""Geocoding services, one small class each: an address in, (lat, lon) or None (no such place)
out, GeocoderError when the service could not answer. All their HTTP goes through httpx with a
timeout of the caller's choosing; tests run a fake of each on loopback."""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

from backend.settings import Settings

logger = logging.getLogger(__name__)


class GeocoderError(Exception):
    """The service did not answer usefully (timeout, refused, 5xx, a body it should not send)."""


class Geocoder(Protocol):
    name: str

    def geocode(self, address: str, *, timeout: float) -> tuple[float, float] | None: ...


def _get(url: str, params: dict[str, str], headers: dict[str, str], timeout: float) -> object:
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=timeout)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise GeocoderError(type(error).__name__) from error


class KakaoGeocoder:
    """Kakao Local's address search (`GET /v2/local/search/address.json`, `KakaoAK` key)."""

    name = "kakao"

    def __init__(self, base_url: str, key: str) -> None:
        self.url = base_url.rstrip("/") + "/v2/local/search/address.json"
        self.key = key

    def geocode(self, address: str, *, timeout: float) -> tuple[float, float] | None:
        body = _get(self.url, {"query": address}, {"Authorization": f"KakaoAK {self.key}"}, timeout)
        documents = body.get("documents") if isinstance(body, dict) else None
        if not isinstance(documents, list):
            raise GeocoderError("no documents")
        if not documents:
            return None
        try:  # Kakao gives x (longitude) and y (latitude) as strings
            return float(documents[0]["y"]), float(documents[0]["x"])
        except (KeyError, TypeError, ValueError) as error:
            raise GeocoderError("a document without x and y") from error


class NominatimGeocoder:
    """Nominatim's search (`GET /search?format=jsonv2`); its usage policy wants a User-Agent
    naming the application and at most one request a second (the cache sees to most of it)."""

    name = "nominatim"

    def __init__(self, base_url: str, user_agent: str) -> None:
        self.url = base_url.rstrip("/") + "/search"
        self.user_agent = user_agent

    def geocode(self, address: str, *, timeout: float) -> tuple[float, float] | None:
        params = {"q": address, "format": "jsonv2", "limit": "1", "countrycodes": "kr"}
        body = _get(self.url, params, {"User-Agent": self.user_agent}, timeout)
        if not isinstance(body, list):
            raise GeocoderError("not a list")
        if not body:
            return None
        try:
            return float(body[0]["lat"]), float(body[0]["lon"])
        except (KeyError, TypeError, ValueError) as error:
            raise GeocoderError("a result without lat and lon") from error


def geocoder_for(settings: Settings) -> Geocoder | None:
    """The service the settings name (GEOCODER), or None: districts only."""
    if settings.geocoder == "kakao" and settings.geocoder_key:
        return KakaoGeocoder(
            settings.geocoder_base_url or "https://dapi.kakao.com", settings.geocoder_key
        )
    if settings.geocoder == "nominatim":
        return NominatimGeocoder(
            settings.geocoder_base_url or "https://nominatim.openstreetmap.org",
            "aftersales-service-desk",
        )
    return None
