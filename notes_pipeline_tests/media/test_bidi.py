"""Runs of a line in the order they are seen: what slides need to draw a mixed-script line run by run."""

import random

from notes_pipeline.media.bidi import _fribidi_levels, embedding_levels, visual_order


def test_a_left_to_right_line_without_right_to_left_characters_is_level_zero_as_fribidi_says():
    """embedding_levels skips FriBidi for such lines: check the shortcut against FriBidi itself."""
    rng = random.Random(13)
    alphabet = "aZ9 .,:;!?()[]{}“”‘’—–-…+/%·→✓हिन्दी१२" + "\u200c\u200d\u2060\n"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        assert embedding_levels(text, rtl=False) == _fribidi_levels(text, False) == [0] * len(text)
    mixed = "पानी اردو الفاظ 12 English"
    assert embedding_levels(mixed, rtl=False) == _fribidi_levels(mixed, False) != [0] * len(mixed)


def test_runs_are_shown_in_the_order_of_the_bidi_algorithm():
    """UAX #9 rule L2: reverse from the highest level down to the lowest odd one."""
    assert visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]  # an Arabic phrase in a Hindi line
    assert visual_order([1, 2, 1, 2]) == [3, 2, 1, 0]  # English words and digits in an Urdu line
    assert visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]  # two English runs side by side keep their order
    assert visual_order([0, 0]) == [0, 1] and visual_order([]) == []
    assert embedding_levels("اور 12 ہیں", rtl=True) == [1, 1, 1, 1, 2, 2, 1, 1, 1, 1]
