"""Pure units of the streams layer: backoff, availability, settings lookup, decoding, dead letters."""

import pytest

from shared.errors import MessageError
from shared.keys import Keys
from shared.messages import DeadLetter, Event, Frame
from shared.streams import Availability, Backoff, Decoder, StreamSettings, dead_letter, stream_kind
from tests.streams.conftest import make_event, make_frame


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(0.1, 1.0, jitter=0.0)
    assert [round(backoff.next_delay(), 3) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert backoff.next_delay() == pytest.approx(0.1)


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
def test_backoff_jitter_stays_within_bounds(draw: float) -> None:
    backoff = Backoff(0.1, 1.0, jitter=0.5, rng=lambda: draw)
    for _ in range(100):
        delay = backoff.next_delay()
        assert 0.05 <= delay <= 1.0


def test_full_jitter_draws_anywhere_up_to_the_exponential_delay() -> None:
    draws = iter([0.0, 0.5, 0.999])
    backoff = Backoff(1.0, 8.0, jitter=1.0, rng=lambda: next(draws))
    assert [round(backoff.next_delay(), 3) for _ in range(3)] == [1.0, 1.0, 0.004]


def test_a_zero_initial_delay_retries_at_once() -> None:
    backoff = Backoff(0.0, 0.0)
    assert [backoff.next_delay() for _ in range(3)] == [0.0, 0.0, 0.0] and backoff.attempt == 3


def test_backoff_rejects_impossible_bounds() -> None:
    with pytest.raises(ValueError, match="initial <= cap"):
        Backoff(2.0, 1.0)


def test_availability_blocks_attempts_until_the_delay_passed() -> None:
    now = [100.0]
    availability = Availability(Backoff(1.0, 8.0, jitter=0.0), clock=lambda: now[0])
    assert availability.ready()
    assert availability.failed() == 1.0
    assert not availability.ready()
    now[0] += 1.0
    assert availability.ready()
    assert availability.failed() == 2.0
    assert availability.succeeded() is True
    assert availability.ready()
    assert availability.succeeded() is False


def test_maxlen_by_stream_kind() -> None:
    keys = Keys("run1:")
    settings = StreamSettings(frames_maxlen=123, events_maxlen=45, default_maxlen=7)
    assert settings.maxlen_for(keys, keys.frames("3")) == 123
    assert settings.maxlen_for(keys, keys.events) == 45
    assert settings.maxlen_for(keys, keys.dead) == settings.dead_maxlen
    assert settings.maxlen_for(keys, "run1:something_else") == 7
    assert settings.maxlen_for(keys, "other:frames:0") == 7
    assert stream_kind(keys, keys.actions("0")) == "actions"


def test_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert StreamSettings().frames_maxlen == 10_000
    assert StreamSettings().events_maxlen < 10_000
    monkeypatch.setenv("CRL_STREAM_FRAMES_MAXLEN", "42")
    assert StreamSettings().frames_maxlen == 42


def test_settings_reject_backoff_cap_below_start() -> None:
    with pytest.raises(ValueError, match="backoff_max"):
        StreamSettings(backoff_initial=2.0, backoff_max=1.0)


def _wire(fields: dict[str, bytes | str]) -> dict[bytes, bytes]:
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}


def test_decoder_picks_the_model_by_kind() -> None:
    decoder: Decoder[Frame | Event] = Decoder(Frame, Event)
    assert decoder.decode(_wire(make_frame(3).to_fields())) == make_frame(3)
    assert isinstance(decoder.decode(_wire(make_event(1).to_fields())), Event)
    with pytest.raises(MessageError, match="unknown kind"):
        decoder.decode({b"v": b"1", b"kind": b"plan", b"json": b"{}"})
    with pytest.raises(MessageError, match="no fields"):
        decoder.decode(None)


def test_dead_letter_keeps_binary_fields_and_truncates() -> None:
    raw = {b"v": b"\xff\xfe", b"screen": bytes(range(256)) * 4}
    letter = dead_letter(stream="s", entry_id="1-1", reason="bad", fields=raw, max_field_bytes=100)
    assert letter.truncated
    assert dict(letter.raw) == {b"v": b"\xff\xfe", b"screen": bytes(range(100))}
    again = DeadLetter.from_fields(_wire(letter.to_fields()))
    assert again == letter
