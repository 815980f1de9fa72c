"""DeliverEvents on the in-memory store: a subscription's position moves only past what its
receiver took; failures back off exponentially with jitter and hold the subscription at the
event (per-resource order); out of attempts, or refused for good, an event is dead-lettered and
delivery goes on; re-queued dead letters go first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import NotFound, Uniqueness
from domain.events.delivery import Outcome, Rules
from domain.events.subscriptions import Position
from tests.unit.events_support import Harness, change


def test_a_subscription_gets_what_happens_after_it_was_added() -> None:
    h = Harness()
    h.feed.write(change("old"))
    h.subscribe()
    h.feed.write(change("u1"), change("u2", "deactivate"))
    tally = h.deliver()
    assert [e.resource_id for _, e in h.sender.sent] == ["u1", "u2"] and tally.delivered == 2
    assert h.store.progress("app").position == Position(3)
    assert h.deliver().delivered == 0  # nothing twice


def test_filters_by_event_type_and_resource_type() -> None:
    h = Harness()
    h.subscribe("lifecycle", ("user.created", "user.deactivated"))
    h.subscribe("groups", ("*",), rtype="Group")
    h.feed.write(change("u1"), change("u1", "patch"), change("u1", "deactivate"),
                 change("g1", "create", "Group", ("displayName",)))
    h.deliver()
    assert h.sender.ids("lifecycle") == ["evt_1_0", "evt_3_0"]
    assert h.sender.ids("groups") == ["evt_4_0"]
    assert h.store.progress("lifecycle").position == Position(4)


def test_the_position_stays_at_a_failed_event_until_its_receiver_takes_it() -> None:
    h = Harness()
    h.subscribe()
    h.feed.write(change("u1"), change("u2"))
    h.sender.answer(200, 503)
    tally = h.deliver()
    assert (tally.delivered, tally.failed) == (1, 1)
    progress = h.store.progress("app")
    assert progress.position == Position(1) and progress.attempts == 1
    assert progress.last_error == "HTTP 503" and progress.next_attempt == h.clock.now() + timedelta(seconds=1)
    assert h.deliver().delivered == 0  # waiting out the backoff: not even tried
    h.clock.advance(timedelta(seconds=1))
    h.deliver()
    assert h.sender.ids() == ["evt_1_0", "evt_2_0", "evt_2_0"]
    assert h.store.progress("app").position == Position(2) and h.store.progress("app").attempts == 0


def test_a_record_of_several_events_resumes_at_the_one_that_failed() -> None:
    h = Harness()
    h.subscribe()
    h.feed.write(change("g", "patch", "Group", ("displayName", "members"), added=("u1",), removed=("u2",)))
    h.sender.answer(200, 200, 500)
    h.deliver()
    assert h.store.progress("app").position == Position(0, 2)
    h.clock.advance(timedelta(hours=1))
    h.deliver()
    assert h.sender.ids() == ["evt_1_0", "evt_1_1", "evt_1_2", "evt_1_2"]


def test_the_backoff_doubles_with_equal_jitter_up_to_its_cap() -> None:
    rules = Rules(backoff=timedelta(seconds=2), max_backoff=timedelta(seconds=30))
    assert [rules.delay(n, 0.0).total_seconds() for n in range(1, 7)] == [1, 2, 4, 8, 15, 15]
    assert [rules.delay(n, 0.999999).total_seconds() for n in (1, 4, 6)] == pytest.approx([2, 16, 30])
    assert rules.delay(500, 0.5) == timedelta(seconds=22.5)  # no overflow far out


@pytest.mark.parametrize("status", [500, 503, 408, 429, None])
def test_retryable_failures_dead_letter_after_max_attempts_then_delivery_goes_on(status: int | None) -> None:
    h = Harness(Rules(max_attempts=3))
    h.subscribe()
    h.feed.write(change("u1"), change("u2"))
    h.sender.answer(status, status, status)
    for _ in range(3):
        h.deliver()
        h.clock.advance(timedelta(hours=1))
    (letter,) = h.store.dead_letters("app")
    assert letter.event.id == "evt_1_0" and letter.attempts == 3 and not letter.requeued
    assert h.sender.ids() == ["evt_1_0"] * 3 + ["evt_2_0"]  # the next one went on in the same turn
    assert h.store.progress("app").position == Position(2)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 301])
def test_a_refusal_no_retry_can_fix_is_dead_lettered_at_once(status: int) -> None:
    h = Harness(Rules(max_attempts=5))
    h.subscribe()
    h.feed.write(change("u1"), change("u2"))
    h.sender.answer(status)
    h.deliver()
    assert [d.attempts for d in h.store.dead_letters()] == [1]
    assert h.sender.ids() == ["evt_1_0", "evt_2_0"]


def test_a_failing_receiver_never_holds_up_another_subscription() -> None:
    h = Harness()
    h.subscribe("broken")
    h.subscribe("fine")
    h.feed.write(change("u1"), change("u2"))
    h.sender.answer(None)  # broken's first attempt
    h.deliver()
    assert h.sender.ids("fine") == ["evt_1_0", "evt_2_0"]
    assert h.store.progress("broken").position == Position(0)


def test_a_requeued_dead_letter_goes_first_once_and_then_the_rest() -> None:
    h = Harness(Rules(max_attempts=1))
    h.subscribe()
    h.feed.write(change("u1"))
    h.sender.answer(500)
    h.deliver()
    assert [d.event.id for d in h.manage.failed()] == ["evt_1_0"]
    h.feed.write(change("u2"))
    assert h.manage.retry(None) == 1
    h.deliver()
    assert h.sender.ids() == ["evt_1_0", "evt_1_0", "evt_2_0"]
    assert h.manage.failed() == [] and h.manage.retry(None) == 0
    with pytest.raises(NotFound):
        h.manage.retry("evt_9_9")


def test_a_requeued_letter_that_fails_again_is_dead_again_without_blocking_the_rest() -> None:
    h = Harness(Rules(max_attempts=2))
    h.subscribe()
    h.feed.write(change("u1"))
    h.sender.answer(400)
    h.deliver()
    h.manage.retry("evt_1_0")
    h.feed.write(change("u2"))
    h.sender.answer(500)
    h.deliver()  # attempt 1 of the letter: backoff, the turn ends
    assert h.sender.ids() == ["evt_1_0", "evt_1_0"]
    h.clock.advance(timedelta(hours=1))
    h.sender.answer(500)
    h.deliver()
    (letter,) = h.manage.failed()
    assert not letter.requeued and letter.attempts == 2
    assert h.sender.ids() == ["evt_1_0"] * 3 + ["evt_2_0"]


def test_a_held_claim_means_another_worker_is_at_it() -> None:
    h = Harness()
    h.subscribe()
    h.feed.write(change("u1"))
    with h.store.claim("app") as mine:
        assert mine
        assert h.deliver().delivered == 0
    assert h.deliver().delivered == 1


def test_a_stop_request_ends_the_turn_between_events_and_keeps_the_position() -> None:
    h = Harness()
    h.subscribe()
    h.feed.write(change("u1"), change("u2"), change("u3"))
    sent = len
    h.deliver(stop=lambda: sent(h.sender.sent) >= 1)
    assert h.sender.ids() == ["evt_1_0"] and h.store.progress("app").position == Position(1)
    h.deliver()
    assert h.sender.ids() == ["evt_1_0", "evt_2_0", "evt_3_0"]


def test_a_full_batch_says_more_may_be_waiting() -> None:
    h = Harness(Rules(batch_size=2))
    h.subscribe()
    h.feed.write(change("u1"), change("u2"), change("u3"))
    assert h.deliver().more and not h.deliver().more
    assert len(h.sender.sent) == 3


def test_subscription_names_are_unique_and_removal_takes_the_dead_letters() -> None:
    h = Harness(Rules(max_attempts=1))
    sub = h.subscribe()
    assert sub.secret.startswith("whsec_") and sub.secret not in repr(sub)
    with pytest.raises(Uniqueness):
        h.subscribe()
    h.feed.write(change("u1"))
    h.sender.answer(500)
    h.deliver()
    h.manage.remove("app")
    assert h.manage.failed() == [] and h.manage.all() == []
    with pytest.raises(NotFound):
        h.manage.remove("app")


def test_a_subscription_whose_secret_cannot_be_read_is_never_sent_to() -> None:
    from dataclasses import replace

    h = Harness()
    sub = h.subscribe()
    h.feed.write(change("u1"))
    assert h.deliver.turn(replace(sub, secret="")).delivered == 0 and h.sender.sent == []


def test_outcomes_classify_statuses() -> None:
    assert Outcome(204).delivered and not Outcome(302).delivered and not Outcome(None, "timeout").delivered
    assert Outcome(None, "timeout").describe() == "timeout" and Outcome(502).describe() == "HTTP 502"


def test_a_long_turn_stores_its_position_once_a_checkpoint_not_once_an_event() -> None:
    h = Harness(Rules(checkpoint=timedelta(seconds=1)))
    h.subscribe()
    h.feed.write(*(change(f"u{i}") for i in range(6)))
    stored: list[Position] = []
    send = h.sender.send

    def slow_send(subscription, event):  # type: ignore[no-untyped-def]
        stored.append(h.store.progress("app").position)  # where a crash now would resume
        h.clock.advance(timedelta(seconds=0.4))
        return send(subscription, event)
    h.sender.send = slow_send  # type: ignore[method-assign]
    h.deliver()
    # stored once 1 s had passed: after the 3rd send (1.2 s: past record 3's one event), not at
    # the 4th or 5th (2.0 s is 0.8 s later)
    assert stored == [Position(0)] * 3 + [Position(2, 1)] * 3
    assert h.store.progress("app").position == Position(6)


def test_a_subscription_removed_during_a_pass_is_left_alone() -> None:
    h = Harness(Rules(max_attempts=1))
    sub = h.subscribe()
    h.feed.write(change("u1"))
    h.manage.remove("app")
    assert h.deliver.turn(sub).delivered == 0 and h.sender.sent == []


def test_records_pruned_before_delivery_are_reported_and_passed() -> None:
    h = Harness()
    h.subscribe()
    h.feed.write(change("g", "patch", "Group", ("displayName", "members"), added=("u1",)), change("u2"), change("u3"))
    h.sender.answer(200, 500)  # record 1's second event fails: the position is (0, 1)
    h.deliver()
    h.feed.pruned = 2  # records 1 and 2 go before it is retried
    h.clock.advance(timedelta(hours=1))
    tally = h.deliver()
    (gap,) = tally.failures
    assert gap.dead and "up to 2 were pruned" in gap.reason
    assert h.sender.ids() == ["evt_1_0", "evt_1_1", "evt_3_0"]  # not record 3 from its 2nd event
    assert h.store.progress("app").position == Position(3)
