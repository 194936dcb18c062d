"""Uploading the outbox to a FHIR R4 server.

- :mod:`~gateway.upload.client`: the HTTP client (httpx, ``application/fhir+json``, TLS);
- :mod:`~gateway.upload.capability`: the start-up ``/metadata`` check (R4 4.0.x, transaction);
- :mod:`~gateway.upload.auth`: none, static bearer, OAuth2 client credentials, SMART Backend
  Services (with :mod:`~gateway.upload.jws` for the signed client assertion);
- :mod:`~gateway.upload.secrets`: secrets from the environment or files, never printed;
- :mod:`~gateway.upload.bundles`: transaction Bundles from outbox items and the id cache;
- :mod:`~gateway.upload.answer`: what an answer proves (and its ``Retry-After``); the retry
  delays are :mod:`gateway.backoff`'s;
- :mod:`~gateway.upload.uploader`: the loop that drains the outbox.
"""
