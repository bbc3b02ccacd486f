"""The shared controller of ``map``'s live requests, driven by a simulated API: how
many requests it gets refused against a cap on requests in flight, and how it reads
the rate-limit headers."""

from __future__ import annotations

from claude_nb.rows.pacing import Pacing


def simulate(cap: int, rows: int, retry_after: float = 1.0, latency: float = 0.2) -> tuple[int, float]:
    """An API that answers in ``latency`` seconds and refuses (429, ``retry_after``)
    any request beyond ``cap`` in flight. Returns the 429s and the seconds taken."""
    pacing = Pacing()
    now, left = 0.0, rows
    running: list[float] = []  # when each admitted request ends
    step = 0.01
    while left or running:
        for end in [e for e in running if e <= now]:
            running.remove(end)
            pacing.finished()
            pacing.on_success(None, now)
            left -= 1
        while pacing.may_start() and pacing.ready_at(now) <= now and left - len(running) > 0:
            pacing.started(now)
            if len(running) >= cap:
                pacing.on_rate_limited(retry_after, None, now)
                pacing.finished()
            else:
                running.append(now + latency)
        now += step
    return pacing.refused, now


def test_against_a_cap_in_flight_it_is_refused_a_few_times_not_once_a_window() -> None:
    refused, took = simulate(cap=4, rows=400)
    assert refused <= 10, refused  # growing back past the cap once a window: 36
    assert took < 400 * 0.2 / 4 * 1.5, "it ran near the cap, not far below it"


def test_a_larger_cap_is_found_and_used() -> None:
    refused, took = simulate(cap=10, rows=400)
    assert refused <= 8, refused
    assert took < 400 * 0.2 / 10 * 2


def test_the_limit_header_spaces_requests_and_zero_remaining_waits_for_one() -> None:
    pacing = Pacing()
    pacing.on_success({"anthropic-ratelimit-requests-limit": "600"}, now=0.0)
    assert pacing.rate is not None and 9.5 < pacing.rate < 10
    for _ in range(3):  # a quarter second's worth may go at once, not more
        pacing.started(10.0)
    assert pacing.ready_at(10.0) > 10.0, "the next request waits its slot"
    pacing.on_success(
        {"anthropic-ratelimit-requests-limit": "600", "anthropic-ratelimit-requests-remaining": "0"}, 20.0
    )
    assert 20.05 < pacing.paused_until <= 20.11


def test_a_429_halves_once_per_burst_and_pauses_for_the_retry_after() -> None:
    pacing = Pacing(concurrency=16)
    for _ in range(16):
        pacing.started(0.0)
    for _ in range(6):
        pacing.on_rate_limited(3.0, None, now=0.0)
        pacing.finished()
    assert pacing.concurrency == 8 and pacing.paused_until == 3.0
    assert pacing.safe == 10, "sixteen sent, six refused: ten were taken"
