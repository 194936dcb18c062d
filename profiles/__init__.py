"""PHG profiles: pure, I/O-free codecs for the Bluetooth SIG health characteristics.

One module per profile (``profiles.blood_pressure``, ``profiles.glucose``, ...), each publishing
``CHARACTERISTICS``; :mod:`profiles.registry` collects them all. Every decoder returns an
immutable typed measurement or raises :class:`DecodeError`.
"""

from profiles.errors import DecodeError, EncodeError
from profiles.ieee11073 import MderNumber, SpecialValue

__all__ = ["DecodeError", "EncodeError", "MderNumber", "SpecialValue"]
