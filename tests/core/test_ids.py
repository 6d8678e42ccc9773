from collections import Counter

from core.ids import _ALPHABET, new_id


def test_ids_are_the_prefix_and_crockford_base32_characters_of_the_given_length():
    for length in (1, 7, 10, 16, 25):
        value = new_id("x", length)
        prefix, _, random = value.partition("_")
        assert prefix == "x" and len(random) == length
        assert set(random) <= set(_ALPHABET)


def test_every_character_is_drawn_uniformly():
    """32 digits over 3,200 ids x 16 characters: each near 1,600 (a biased encoding, e.g. the
    padding or the partial last digit kept, shows far outside these bounds)."""
    counts = Counter("".join(new_id("s")[2:] for _ in range(3200)))
    assert set(counts) == set(_ALPHABET)
    assert all(1350 < count < 1850 for count in counts.values()), counts
    assert len({new_id("s") for _ in range(10_000)}) == 10_000
