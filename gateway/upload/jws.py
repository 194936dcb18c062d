"""Signed JWTs for SMART Backend Services client assertions (``private_key_jwt``), with
``cryptography``: RS384 (RSASSA-PKCS1-v1_5 + SHA-384) or ES384 (ECDSA P-384 + SHA-384, the
signature as the 96-byte ``r || s`` of RFC 7518 §3.4, not DER)."""

from __future__ import annotations

import base64
import json
from typing import Any, Final, Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

Algorithm = Literal["RS384", "ES384"]
ALGORITHMS: Final = ("RS384", "ES384")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(pem: str, algorithm: Algorithm) -> PrivateKey:
    """A PEM private key (unencrypted) that matches ``algorithm``."""
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"the private key is not a readable unencrypted PEM key ({exc})") from None
    if algorithm == "RS384":
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
            raise ValueError("RS384 needs an RSA private key of at least 2048 bits")
        return key
    if algorithm == "ES384":
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp384r1":
            raise ValueError("ES384 needs an EC private key on curve P-384 (secp384r1)")
        return key
    raise ValueError(f"unsupported algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def sign(claims: dict[str, Any], key: PrivateKey, algorithm: Algorithm, kid: str | None) -> str:
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
    ).encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA384())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA384())))
        signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"
