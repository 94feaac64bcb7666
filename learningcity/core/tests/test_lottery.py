"""The lottery's promises, checked on many random term-sized inputs."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from learningcity.core import lottery
from learningcity.core.lottery import Choice, Seats

SEED = "00" * 31 + "2a"


@st.composite
def terms(draw: st.DrawFn) -> tuple[list[Seats], list[Choice], int]:
    classes = [
        Seats(f"c{i}", capacity, draw(st.integers(0, capacity)))
        for i, capacity in enumerate(draw(st.lists(st.integers(0, 6), min_size=1, max_size=6)))
    ]
    learners = draw(st.integers(1, 25))
    choices = []
    for learner in range(learners):
        picked = draw(st.lists(st.sampled_from(classes), max_size=4, unique_by=lambda s: s.key))
        tier = draw(st.integers(0, 2))
        in_group = draw(st.booleans())
        for rank, seats in enumerate(picked, start=1):
            choices.append(
                Choice(f"a{learner}-{rank}", f"l{learner}", seats.key, rank, tier, in_group)
            )
    return classes, choices, draw(st.integers(1, 3))


@settings(max_examples=300, deadline=None)
@given(terms())
def test_no_class_over_capacity_no_learner_over_cap_every_choice_decided_once(
    term: tuple[list[Seats], list[Choice], int],
) -> None:
    seats, choices, cap = term

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=cap)

    assert set(result.outcomes) == {c.application for c in choices}
    offered = [c for c in choices if result.outcomes[c.application].offered]
    per_class = Counter(c.klass for c in offered)
    assert all(per_class[s.key] <= s.capacity for s in seats)
    assert all(n <= cap for n in Counter(c.learner for c in offered).values())


@settings(max_examples=200, deadline=None)
@given(terms())
def test_the_same_inputs_and_seed_give_the_same_result(
    term: tuple[list[Seats], list[Choice], int],
) -> None:
    seats, choices, cap = term

    first = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=cap)
    again = lottery.draw(seed=SEED, seats=seats, choices=list(reversed(choices)), cap=cap)

    assert first.digest() == again.digest()


@settings(max_examples=200, deadline=None)
@given(terms())
def test_no_seat_stays_empty_while_someone_under_the_cap_waits_for_it(
    term: tuple[list[Seats], list[Choice], int],
) -> None:
    seats, choices, cap = term

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=cap)

    offered = [c for c in choices if result.outcomes[c.application].offered]
    held = Counter(c.learner for c in offered)
    taken = Counter(c.klass for c in offered)
    for choice in choices:
        outcome = result.outcomes[choice.application]
        capacity = next(s.capacity for s in seats if s.key == choice.klass)
        if not outcome.offered and held[choice.learner] < cap:
            assert taken[choice.klass] == capacity


@settings(max_examples=200, deadline=None)
@given(terms())
def test_waitlists_are_numbered_from_one_without_gaps(
    term: tuple[list[Seats], list[Choice], int],
) -> None:
    seats, choices, cap = term

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=cap)

    for seats_ in seats:
        positions = sorted(
            result.outcomes[c.application].waitlist_position or 0
            for c in choices
            if c.klass == seats_.key and not result.outcomes[c.application].offered
        )
        assert positions == list(range(1, len(positions) + 1))


def test_first_choices_are_served_before_second_choices() -> None:
    seats = [Seats("piano", 1)]
    choices = [
        Choice("second", "early-number", "piano", rank=2),
        Choice("first", "late-number", "piano", rank=1),
    ]

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=1)

    assert result.outcomes["first"].offered is True
    assert result.outcomes["second"].waitlist_position == 1


def test_lower_tier_is_served_first_within_a_round() -> None:
    seats = [Seats("ballet", 2)]
    choices = [Choice(f"a{i}", f"l{i}", "ballet", 1, tier=1) for i in range(10)]
    choices.append(Choice("newcomer", "new", "ballet", 1, tier=0))

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=1)

    assert result.outcomes["newcomer"].offered is True


def test_quota_seats_go_to_target_groups_first() -> None:
    seats = [Seats("calligraphy", 3, quota=2)]
    choices = [Choice(f"a{i}", f"l{i}", "calligraphy", 1) for i in range(20)]
    choices += [
        Choice("aged-1", "g1", "calligraphy", 1, in_group=True),
        Choice("aged-2", "g2", "calligraphy", 1, in_group=True),
    ]

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=1)

    assert result.outcomes["aged-1"].reason == "quota"
    assert result.outcomes["aged-2"].reason == "quota"
    assert sum(o.offered for o in result.outcomes.values()) == 3


def test_unused_quota_goes_to_everyone() -> None:
    seats = [Seats("smartphone", 3, quota=3)]
    choices = [Choice(f"a{i}", f"l{i}", "smartphone", 1) for i in range(5)]

    result = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=1)

    assert sum(o.offered for o in result.outcomes.values()) == 3


def test_another_seed_gives_another_order() -> None:
    seats = [Seats("piano", 5)]
    choices = [Choice(f"a{i}", f"l{i}", "piano", 1) for i in range(100)]

    one = lottery.draw(seed=SEED, seats=seats, choices=choices, cap=1)
    other = lottery.draw(seed="11" * 32, seats=seats, choices=choices, cap=1)

    assert one.digest() != other.digest()


def test_commitment_is_the_seeds_sha256() -> None:
    assert lottery.commitment("00") == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
