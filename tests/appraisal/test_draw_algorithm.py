"""The pure draw (appraisal/panel/algorithm.py): reproducible, uniform, meets the mix, versioned."""

import pytest

from appraisal.panel import algorithm as algorithm
from appraisal.panel.algorithm import Candidate, Parameters


def pool(n, subjects=("mathematics",)):
    return [Candidate(id=i, subjects=frozenset(subjects)) for i in range(1, n + 1)]


def seed(i):
    return algorithm.derive_seed(f"{i:064x}", "")


def test_same_inputs_give_same_order_and_panel():
    candidates = pool(40)
    params = Parameters(panel_size=5, subjects=("mathematics",))
    first = algorithm.run(candidates, seed(7), params)
    again = algorithm.run(list(reversed(candidates)), seed(7), params)
    assert first.order == again.order
    assert first.panel == again.panel == first.order[:5]
    assert first.candidates_hash == again.candidates_hash
    assert sorted(first.order) == list(range(1, 41))
    assert first.alternates == first.order[5:]


def test_another_seed_gives_another_order():
    candidates = pool(40)
    params = Parameters(panel_size=3, subjects=("mathematics",))
    assert (
        algorithm.run(candidates, seed(1), params).order
        != algorithm.run(candidates, seed(2), params).order
    )


def test_seed_depends_on_both_values_and_commitment_hides_the_value():
    system = "ab" * 32
    assert algorithm.derive_seed(system, "1234") != algorithm.derive_seed(system, "1235")
    assert algorithm.derive_seed(system, " 1234 ") == algorithm.derive_seed(system, "1234")
    assert system not in algorithm.commitment(system)
    assert len(algorithm.commitment(system)) == 64


def test_candidate_hash_changes_with_the_list():
    assert algorithm.candidates_hash(pool(10)) != algorithm.candidates_hash(pool(11))


def test_selection_frequency_is_uniform_chi_square():
    """Each of 20 candidates is drawn onto a 3-seat panel equally often, over 4,000 fixed seeds.

    Pearson's chi-square over the 20 selection counts, 19 degrees of freedom: the critical value
    at the 0.001 level is 43.82 (tables); a biased draw (e.g. by id) would be far beyond it.
    """
    n, seats, runs = 20, 3, 4000
    candidates = pool(n)
    params = Parameters(panel_size=seats, subjects=("mathematics",))
    counts = dict.fromkeys(range(1, n + 1), 0)
    first_place = dict.fromkeys(range(1, n + 1), 0)
    for i in range(runs):
        result = algorithm.run(candidates, seed(i), params)
        for cid in result.panel:
            counts[cid] += 1
        first_place[result.order[0]] += 1
    expected = runs * seats / n
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 43.82, (chi2, counts)
    expected_first = runs / n
    chi2_first = sum((c - expected_first) ** 2 / expected_first for c in first_place.values())
    assert chi2_first < 43.82, (chi2_first, first_place)


def test_chi_square_detects_a_biased_order():
    """The same statistic rejects the obvious bias, so the test above could fail."""
    n, seats, runs = 20, 3, 4000
    counts = dict.fromkeys(range(1, n + 1), 0)
    for _ in range(runs):
        for cid in range(1, seats + 1):  # always the lowest ids
            counts[cid] += 1
    expected = runs * seats / n
    assert sum((c - expected) ** 2 / expected for c in counts.values()) > 43.82


def test_mix_takes_one_per_subject_where_the_pool_allows():
    maths = [Candidate(id=i, subjects=frozenset({"mathematics"})) for i in range(1, 30)]
    practice = [Candidate(id=100, subjects=frozenset({"integrated-practice"}))]
    lawyer = [Candidate(id=200, subjects=frozenset(), legal=True)]
    params = Parameters(
        panel_size=3, subjects=("integrated-practice", "mathematics"), legal_seat=True
    )
    for i in range(50):
        result = algorithm.run(maths + practice + lawyer, seed(i), params)
        assert 100 in result.panel and 200 in result.panel, result.panel
        assert len(result.panel) == 3
        # The panel is taken in order: whoever sits is ranked before every skipped candidate
        # who could have sat, except those passed over for the mix.
        assert result.panel == sorted(result.panel, key=result.order.index)


def test_subject_nobody_covers_is_waived():
    params = Parameters(panel_size=3, subjects=("mathematics", "physics"))
    result = algorithm.run(pool(5), seed(3), params)
    assert result.waived == ["physics"] and len(result.panel) == 3


def test_too_few_candidates_says_why():
    with pytest.raises(algorithm.DrawImpossible) as err:
        algorithm.run(pool(2), seed(1), Parameters(panel_size=3, subjects=("mathematics",)))
    assert "只有 2 人" in err.value.message


def test_more_requirements_than_seats_says_why():
    candidates = [Candidate(id=i, subjects=frozenset({f"s{i}"})) for i in range(1, 6)]
    params = Parameters(panel_size=3, subjects=("s1", "s2", "s3", "s4"))
    with pytest.raises(algorithm.DrawImpossible) as err:
        algorithm.run(candidates, seed(1), params)
    assert "少于需覆盖" in err.value.message


def test_legal_seat_without_a_lawyer_is_impossible():
    params = Parameters(panel_size=3, subjects=("mathematics",), legal_seat=True)
    with pytest.raises(algorithm.DrawImpossible):
        algorithm.run(pool(10), seed(1), params)


def test_next_alternate_keeps_the_mix_and_skips_those_called():
    maths = [Candidate(id=i, subjects=frozenset({"mathematics"})) for i in range(1, 6)]
    practice = [Candidate(id=i, subjects=frozenset({"integrated-practice"})) for i in (10, 11)]
    by_id = {c.id: c for c in maths + practice}
    reqs = ["integrated-practice", "mathematics"]
    alternates = [1, 2, 10, 3, 11]
    # The practice member left: only a practice alternate keeps the mix.
    assert algorithm.next_alternate(alternates, by_id, [by_id[4], by_id[5]], reqs, set()) == 10
    assert algorithm.next_alternate(alternates, by_id, [by_id[4], by_id[5]], reqs, {10}) == 11
    assert algorithm.next_alternate(alternates, by_id, [by_id[4], by_id[5]], reqs, {10, 11}) is None
    # A maths member left and the mix is still met: the next in rank.
    assert algorithm.next_alternate(alternates, by_id, [by_id[4], by_id[10]], reqs, {1}) == 2


@pytest.mark.parametrize("key_length", [32, 64, 65, 100])
def test_the_fast_hmac_is_rfc_2104_hmac_sha256(key_length):
    import hashlib
    import hmac

    key = hashlib.sha512(str(key_length).encode()).digest() * 2
    key = key[:key_length]
    mac = algorithm.hmac_sha256(key)
    for message in (b"", b"v1:1", b"v1:123456789", b"x" * 200):
        assert mac(message) == hmac.digest(key, message, "sha256")


def test_ranked_order_is_the_documented_hmac_sort():
    import hmac

    seed = algorithm.derive_seed("a" * 64, "witness")
    candidates = [Candidate(id=i, subjects=frozenset()) for i in (5, 17, 230, 4001, 99999)]
    key = bytes.fromhex(seed)
    expected = sorted(
        (c.id for c in candidates),
        key=lambda i: hmac.digest(key, f"v1:{i}".encode(), "sha256"),
    )
    assert algorithm.ranked_order(candidates, seed) == expected
