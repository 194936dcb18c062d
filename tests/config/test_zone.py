"""The gateway's time zone: configured, else the host's (TZ, /etc/localtime), else UTC."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from gateway.config.zone import host_zone, zone_named


def _tzdata(name: str) -> Path:
    """The system's tzdata file of zone ``name``."""
    return next(Path(p) / name for p in zoneinfo.TZPATH if (Path(p) / name).is_file())


def test_tz_variable_wins() -> None:
    assert str(host_zone({"TZ": ":Asia/Tokyo"}, Path("/nonexistent"))) == "Asia/Tokyo"


def test_localtime_file_is_dst_aware(tmp_path: Path) -> None:
    source = _tzdata("Europe/Berlin")
    link = tmp_path / "localtime"
    link.symlink_to(source)
    zone = host_zone({}, link)
    assert str(zone) == "Europe/Berlin"
    winter = dt.datetime(2026, 1, 15, 12, tzinfo=zone).utcoffset()
    summer = dt.datetime(2026, 7, 15, 12, tzinfo=zone).utcoffset()
    assert (winter, summer) == (dt.timedelta(hours=1), dt.timedelta(hours=2))


def test_no_information_means_utc() -> None:
    assert str(host_zone({}, Path("/nonexistent"))) == "UTC"


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown IANA time zone 'CEST'"):
        zone_named("CEST")


def test_a_copied_localtime_without_name_still_works(tmp_path: Path) -> None:
    source = _tzdata("Asia/Kolkata")
    copy = tmp_path / "localtime"
    copy.write_bytes(source.read_bytes())
    zone = host_zone({}, copy)
    offset = dt.datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    assert offset == dt.timedelta(hours=5, minutes=30)
