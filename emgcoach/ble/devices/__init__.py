"""Sensor profiles: pure data + pure decode functions (no Bluetooth here; see ``base`` for the contract)."""

from .base import DecodedPacket, DecodeError, Decoder, DeviceProfile
from .registry import PROFILES, match_advertisement, profile_for

__all__ = ["DecodedPacket", "DecodeError", "Decoder", "DeviceProfile", "PROFILES", "match_advertisement", "profile_for"]
