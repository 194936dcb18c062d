"""Units the Bluetooth health profiles report, named by their UCUM codes."""

from __future__ import annotations

import enum


class PressureUnit(enum.Enum):
    MMHG = "mm[Hg]"
    KPA = "kPa"


class TemperatureUnit(enum.Enum):
    CELSIUS = "Cel"
    FAHRENHEIT = "[degF]"


class MassUnit(enum.Enum):
    KILOGRAM = "kg"
    POUND = "[lb_av]"


class LengthUnit(enum.Enum):
    METRE = "m"
    INCH = "[in_i]"
