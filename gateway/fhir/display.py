"""Human names and readable units for the codes PHG produces, for what a person reads: the
status page, the demo's output and ``phg outbox show``. FHIR resources and logs keep the codes
(and the IEEE 11073-10101 reference ids as ``display``, as the PHD IG recommends).

Names come from the MDC and LOINC tables below (the codes of :mod:`gateway.fhir.codes` and the
mappers' tables) and, for ASN.1 BITS codes (``8417752.3``), from the IG's ASN1ToHL7 CodeSystem
shipped in ``gateway/validation/definitions/``. Everything is built on first use, so importing
this module costs nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from profiles import registry

MDC: Final = "urn:iso:std:iso:11073:10101"
LOINC: Final = "http://loinc.org"
ASN1_TO_HL7: Final = "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
_ASN1_FILE: Final = Path(__file__).parents[1] / "validation/definitions/CodeSystem-ASN1ToHL7.json"

# code|name lines, one per code: cheaper to keep as text than as a dict built at import time.
_MDC_NAMES: Final = """
65573|Medical device system
531981|Health gateway
528388|Pulse oximeter
528390|Heart rate sensor
528391|Blood pressure monitor
528392|Thermometer
528399|Weight scale
528401|Glucose meter
528404|Body composition analyser
528409|Continuous glucose monitor
528457|Health device
531974|Hardware version
531975|Software version
531976|Firmware version
532352|Continua version
68220|Time synchronisation
68219|Clock capabilities
68222|Clock resolution
532224|No time synchronisation
532225|Time synchronisation (EBWW)
532226|Time synchronisation (NTPv4)
532227|Time synchronisation (SNTPv4)
532229|Time synchronisation (Bluetooth)
67975|Absolute time clock
131328|ECG
131329|ECG lead I
131330|ECG lead II
150020|Blood pressure
150021|Systolic
150022|Diastolic
150023|Mean arterial pressure
149546|Pulse
8410608|Blood pressure measurement status
67996|Battery
68193|Supplemental types
188736|Weight
188740|Height
188748|Body fat
188752|BMI
188756|Fat-free mass
188760|Soft lean mass
188764|Body water
188768|Basal metabolism
188772|Muscle percentage
188776|Muscle mass
188780|Body impedance
150364|Body temperature
150392|Temperature (eardrum)
188420|Temperature (rectal)
188424|Temperature (oral)
188428|Temperature (ear)
188432|Temperature (finger)
188448|Temperature (toe)
188452|Temperature (armpit)
188456|Temperature (gastro-intestinal)
160184|Glucose (capillary whole blood)
160188|Glucose (capillary plasma)
160192|Glucose (venous whole blood)
160196|Glucose (venous plasma)
160200|Glucose (arterial whole blood)
160204|Glucose (arterial plasma)
160208|Glucose (control solution)
160212|Glucose (interstitial fluid)
160364|Glucose (whole blood)
160368|Glucose (plasma)
160220|HbA1c
8417752|Glucose meter status
8417760|Exercise
8417764|Carbohydrates
8417768|Carbohydrates (breakfast)
8417772|Carbohydrates (lunch)
8417776|Carbohydrates (dinner)
8417780|Carbohydrates (snack)
8417784|Carbohydrates (drink)
8417788|Carbohydrates (supper)
8417792|Carbohydrates (brunch)
8417796|Medication
8417800|Rapid-acting insulin
8417804|Short-acting insulin
8417808|Intermediate-acting insulin
8417812|Long-acting insulin
8417816|Pre-mixed insulin
8417820|Health
8417824|Minor health issues
8417828|Major health issues
8417832|During menses
8417836|Under stress
8417840|No health issues
8417844|Sample location
8417848|Finger
8417852|Alternate site
8417856|Earlobe
8417860|Control solution
8417864|Meal
8417868|Before a meal
8417869|Bedtime
8417872|After a meal
8417876|Fasting
8417880|Casual
8417884|Tester
8417888|Self
8417892|Health care professional
8417896|Laboratory
8418008|Glucose trend
8418060|CGM status
150456|SpO2
149530|Pulse
150448|Perfusion index
150604|Pulse oximeter status
150580|Fast response
150584|Slow response
150588|Spot check
147842|Heart rate
147240|R-R interval
68185|Active time
"""

_LOINC_NAMES: Final = """
85354-9|Blood pressure
8480-6|Systolic blood pressure
8462-4|Diastolic blood pressure
8867-4|Heart rate
29463-7|Body weight
8302-2|Body height
39156-5|BMI
8310-5|Body temperature
2708-6|Oxygen saturation
"""

_UNITS: Final = {
    "mm[Hg]": "mmHg",
    "/min": "bpm",
    "Cel": "°C",
    "[degF]": "°F",
    "[lb_av]": "lb",
    "[in_i]": "in",
    "kg/m2": "kg/m²",
    "Ohm": "Ω",
    "us": "µs",
    "1": "",
}
_TIGHT_UNITS: Final = frozenset({"%", "°C", "°F"})  # written without a space: 98%, 36.6°C


def _table(text: str) -> dict[str, str]:
    return dict(line.split("|", 1) for line in text.strip().splitlines())


@functools.cache
def _names() -> Mapping[str, Mapping[str, str]]:
    return {MDC: _table(_MDC_NAMES), LOINC: _table(_LOINC_NAMES)}


@functools.cache
def _asn1_bits() -> Mapping[str, str]:
    """ASN1ToHL7 ``code -> display`` (``8417752.0 -> device-battery-low``)."""
    data = json.loads(_ASN1_FILE.read_text(encoding="utf-8"))
    return {c["code"]: c["display"] for c in data.get("concept", []) if c.get("display")}


def asn1_bit_display(code: str) -> str | None:
    """The IG's ASN1ToHL7 display of a bit code (``8410608.1`` -> ``cuff-too-loose``), or None
    when the IG's CodeSystem does not define the bit."""
    return _asn1_bits().get(code)


def name(system: str, code: str) -> str | None:
    """The human name of ``code`` in ``system``, or None when PHG has none."""
    if system == ASN1_TO_HL7:
        display = _asn1_bits().get(code)
        return None if display is None else display.replace("-", " ").capitalize()
    return _names().get(system, {}).get(code)


def _is_reference_id(text: str) -> bool:
    return text.startswith("MDC_") or (text.isupper() and "_" in text)


def coding_name(coding: Mapping[str, Any]) -> str:
    """A coding in words: PHG's name, else its display (unless an MDC reference id), else the
    code."""
    code = str(coding.get("code") or "")
    found = name(str(coding.get("system") or ""), code)
    if found:
        return found
    display = coding.get("display")
    if isinstance(display, str) and display and not _is_reference_id(display):
        return display
    return code or "?"


def concept_name(concept: Any) -> str:
    """A CodeableConcept in words: its ``text``, else the first coding PHG can name (MDC before
    LOINC, as the mappers order them), else the first coding's display or code."""
    if not isinstance(concept, Mapping):
        return "?"
    text = concept.get("text")
    if isinstance(text, str) and text:
        return text
    codings = [c for c in concept.get("coding") or [] if isinstance(c, Mapping)]
    for coding in codings:
        found = name(str(coding.get("system") or ""), str(coding.get("code") or ""))
        if found:
            return found
    return coding_name(codings[0]) if codings else "?"


def unit(ucum: str) -> str:
    """A UCUM unit as people write it: ``mm[Hg]`` -> ``mmHg``, ``Cel`` -> ``°C``, ``/min`` ->
    ``bpm`` (PHG's only per-minute quantities are pulse and heart rates)."""
    return _UNITS.get(ucum, ucum)


def quantity(value: object, ucum: str) -> str:
    """``120 mmHg``, ``98%``, ``36.6°C``, ``72 bpm``."""
    shown = unit(ucum)
    if not shown:
        return str(value)
    return f"{value}{'' if shown in _TIGHT_UNITS else ' '}{shown}"


def characteristic_name(name: str) -> str:
    """A Bluetooth characteristic's registry name in words (``glucose-measurement`` ->
    ``Glucose``)."""
    return _labels().get(name) or name.replace("-", " ").capitalize()


@functools.cache
def _labels() -> Mapping[str, str]:
    """The labels the profile modules declare, by characteristic name."""
    return {c.name: c.label for c in registry.ALL if c.label}
