"""The gateway configuration: a TOML file (``config/gateway.example.toml``), ``PHG_…``
environment overrides, validated into immutable dataclasses with clear messages.

- :mod:`.settings`: the settings (one frozen dataclass per TOML table) and what they build
  (allowlist, patient bindings, clock policy, PHG identity, time zone);
- :mod:`.kinds`: the kinds of setting values (text, numbers, paths, lists...) and their
  checks; :mod:`.tables`: a TOML table read into a dataclass (unknown keys, all problems);
- :mod:`.patients`: Patient references; :mod:`.zone`: the time zone;
- :mod:`.env`: the environment overrides; :mod:`.secrets`: tokens and keys from env or files;
- :mod:`.load`: :func:`load_config`, raising :class:`ConfigError` (one line per problem).
"""

from gateway.config.load import ConfigError, load_config, parse
from gateway.config.settings import GatewayConfig

__all__ = ["ConfigError", "GatewayConfig", "load_config", "parse"]
