"""A self-signed certificate for the farm's HTTPS endpoint, generated at run time."""

from __future__ import annotations

import datetime as dt
import functools


@functools.lru_cache(maxsize=1)
def self_signed_pem(expired: bool = True) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for 127.0.0.1; expired by default (both faults at once)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "farm.example.gov.cn")])
    now = dt.datetime.now(dt.timezone.utc)
    start, end = (now - dt.timedelta(days=400), now - dt.timedelta(days=30)) if expired else \
        (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
