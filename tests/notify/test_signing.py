"""Webhook signatures: the documented HMAC, the time tolerance, and any altered byte."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.notify import sign, verify_signature

BODY = b'{"version":1,"state":"firing"}'
T = 1_772_442_300


def test_it_signs_the_timestamp_dot_body_with_hmac_sha256() -> None:
    digest = hmac.new(b"s3cret", b"1772442300." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", BODY, T) == f"t=1772442300,v1={digest}"


def test_it_matches_a_vector_computed_with_openssl() -> None:
    # printf '1.{}' | openssl dgst -sha256 -hmac key
    assert sign("key", b"{}", 1) == (
        "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
    )


def test_it_verifies_its_own_signature() -> None:
    assert verify_signature("s3cret", sign("s3cret", BODY, T), BODY, now=T + 10)


@pytest.mark.parametrize("age", [-301, 301, 10_000])
def test_it_refuses_a_signature_outside_the_tolerance(age: int) -> None:
    assert not verify_signature("s3cret", sign("s3cret", BODY, T), BODY, now=T + age)


@pytest.mark.parametrize("age", [-300, 0, 300])
def test_it_accepts_a_signature_at_the_edge_of_the_tolerance(age: int) -> None:
    assert verify_signature("s3cret", sign("s3cret", BODY, T), BODY, now=T + age)


def test_it_refuses_another_secret() -> None:
    assert not verify_signature("other", sign("s3cret", BODY, T), BODY, now=T)


def test_it_refuses_a_replayed_body_with_a_new_timestamp() -> None:
    old = sign("s3cret", BODY, T).split(",v1=")[1]
    assert not verify_signature("s3cret", f"t={T + 3600},v1={old}", BODY, now=T + 3600)


def test_it_accepts_any_matching_v1_during_secret_rotation() -> None:
    new = sign("new", BODY, T).split(",v1=")[1]
    old = sign("old", BODY, T).split(",v1=")[1]
    header = f"t={T},v1={old},v1={new},v2=unknownscheme"
    assert verify_signature("new", header, BODY, now=T)
    assert verify_signature("old", header, BODY, now=T)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"v1={'0' * 64}",
        f"t={T}",
        f"t=abc,v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        f"t={T},v1=ü",
    ],
)
def test_it_refuses_a_malformed_header(header: str | None) -> None:
    assert not verify_signature("s3cret", header, BODY, now=T)


def test_it_refuses_an_empty_secret_as_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="secret"):
        verify_signature("", sign("x", BODY, T), BODY, now=T)


secrets = st.one_of(st.text(min_size=1), st.binary(min_size=1))


@given(secret=secrets, body=st.binary(), timestamp=st.integers(0, 2**40))
def test_it_verifies_any_body_under_any_secret(
    secret: str | bytes, body: bytes, timestamp: int
) -> None:
    header = sign(secret, body, timestamp)
    assert verify_signature(secret, header, body, now=timestamp)


@given(secret=secrets, body=st.binary(min_size=1), data=st.data())
def test_it_refuses_a_body_with_any_byte_altered(
    secret: str | bytes, body: bytes, data: st.DataObject
) -> None:
    header = sign(secret, body, T)
    index = data.draw(st.integers(0, len(body) - 1))
    flip = data.draw(st.integers(1, 255))
    altered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    assert not verify_signature(secret, header, altered, now=T)


@given(secret=secrets, body=st.binary(), data=st.data())
def test_it_refuses_a_signature_with_any_character_altered(
    secret: str | bytes, body: bytes, data: st.DataObject
) -> None:
    header = sign(secret, body, T)
    digest = header.split(",v1=")[1]
    index = data.draw(st.integers(0, len(digest) - 1))
    other = data.draw(st.sampled_from("0123456789abcdef").filter(lambda c: c != digest[index]))
    tampered = f"t={T},v1={digest[:index]}{other}{digest[index + 1 :]}"
    assert not verify_signature(secret, tampered, body, now=T)


@given(body=st.binary(), extra=st.binary(min_size=1))
def test_it_refuses_a_body_with_bytes_appended(body: bytes, extra: bytes) -> None:
    assert not verify_signature("s3cret", sign("s3cret", body, T), body + extra, now=T)
