"""The two error types of the codecs.

Every decoder either returns a measurement or raises :class:`DecodeError`; no other exception
(IndexError, struct.error, ValueError, ...) may escape a decoder, whatever the input bytes.
Encoders raise :class:`EncodeError` for a measurement that cannot be put on the wire.
"""

from __future__ import annotations


class DecodeError(Exception):
    """A characteristic value that does not follow its specification.

    ``characteristic`` names the characteristic (its registry name), ``offset`` is the byte
    offset at which decoding failed and ``reason`` says what was wrong there.
    """

    def __init__(self, characteristic: str, offset: int, reason: str) -> None:
        self.characteristic = characteristic
        self.offset = offset
        self.reason = reason
        super().__init__(f"{characteristic}: byte {offset}: {reason}")

    def __reduce__(self) -> tuple[type[DecodeError], tuple[str, int, str]]:
        return (DecodeError, (self.characteristic, self.offset, self.reason))


class EncodeError(ValueError):
    """A measurement that cannot be encoded (a value out of range or not representable)."""
