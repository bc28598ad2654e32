"""Japanese mobile carriers: which profile a recipient's domain selects.

The domains live in the carrier profiles (``rules/*.toml``, key ``domains``),
never in a second list here: a user who adds a carrier writes a TOML file.
Patterns are matched case-insensitively with ``fnmatch``: ``docomo.ne.jp`` is
exact, ``*.ezweb.ne.jp`` any subdomain, ``[dhtckrnsq].vodafone.ne.jp`` one of
the listed letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from maillint.parse import ParsedMessage
from maillint.profiles import Profile, list_profiles, load_overlay

RECIPIENT_FIELDS = ("To", "Cc", "Bcc")
# The domain of an address as it stands in a field: what follows an "@" up to
# a character that cannot be in a domain. Enough to choose a profile (the AD
# rules judge the address syntax).  The look-behind lets a match start only
# where a run of local-part characters starts: without it, a run of N such
# characters and no "@" was scanned again from each of its N positions
# (20,000 backslashes in To took 2.5 s, found by benchmarks/pathological.py).
ADDRESS = re.compile(rb"(?<![^\s<>,;:\"()@])[^\s<>,;:\"()@]*@([A-Za-z0-9.-]+)")


@dataclass(frozen=True)
class CarrierMatch:
    """A recipient that selects a carrier profile, and where it was found."""

    carrier: str
    profile: str
    address: str
    source: str  # "To", "Cc", "Bcc", "envelope" or "--carrier"

    @property
    def reason(self) -> str:
        """``vodafone-skymail: To user@t.vodafone.ne.jp``"""
        return f"{self.profile}: {self.source} {self.address}".rstrip()


@lru_cache(maxsize=1)
def carrier_profiles() -> tuple[Profile, ...]:
    """The built-in profiles that name recipient domains, as overlays."""
    return tuple(
        overlay
        for name, _description, _path in list_profiles()
        if (overlay := load_overlay(name)).domains
    )


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().strip(">").rstrip(".").lower()


def profile_for_domain(domain: str) -> Profile | None:
    """The carrier profile whose domain patterns match ``domain``."""
    domain = domain.lower().rstrip(".")
    for profile in carrier_profiles():
        if any(fnmatchcase(domain, pattern) for pattern in profile.domains):
            return profile
    return None


def lookup(address: str) -> CarrierMatch | None:
    """The carrier and profile of an address: ``lookup("user@t.vodafone.ne.jp")``."""
    profile = profile_for_domain(_domain_of(address))
    if profile is None:
        return None
    return CarrierMatch(profile.carrier or profile.name, profile.name, address.strip(), "lookup")


def recipients(message: ParsedMessage, envelope: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(source, address) of every recipient in To, Cc, Bcc and the SMTP envelope."""
    found = []
    for name in RECIPIENT_FIELDS:
        for header_field in message.header.get_all(name):
            for match in ADDRESS.finditer(header_field.value):
                found.append((header_field.name, match.group().decode("ascii", "replace")))
    found.extend(("envelope", address) for address in envelope)
    return found


def select(
    message: ParsedMessage, choice: str = "auto", envelope: Iterable[str] = ()
) -> list[tuple[Profile, CarrierMatch]]:
    """The carrier overlays that apply: by recipient (``auto``), none, or one by name.

    Each carrier profile appears once, with the first recipient that selected it.
    """
    if choice == "none":
        return []
    if choice != "auto":
        overlay = load_overlay(choice)  # a ProfileError names the unknown profile
        match = CarrierMatch(overlay.carrier or overlay.name, overlay.name, "", "--carrier")
        return [(overlay, match)]
    chosen: dict[str, tuple[Profile, CarrierMatch]] = {}
    for source, address in recipients(message, envelope):
        profile = profile_for_domain(_domain_of(address))
        if profile is not None and profile.name not in chosen:
            match = CarrierMatch(profile.carrier or profile.name, profile.name, address, source)
            chosen[profile.name] = (profile, match)
    return [chosen[name] for name in sorted(chosen)]
