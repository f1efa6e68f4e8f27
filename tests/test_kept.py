"""app.kept.Kept: the bounded per-process memo the Python-written pages keep their texts in."""

from app.kept import Kept


def test_made_once_per_key():
    kept = Kept()
    calls = []

    def make():
        calls.append(1)
        return "text"

    assert kept.made("a", make) == "text"
    assert kept.made("a", make) == "text"
    assert len(calls) == 1


def test_emptied_when_full_and_still_answers():
    kept = Kept(limit=3)
    for number in range(3):
        kept.keep(number, str(number))
    assert len(kept) == 3
    assert kept.keep(3, "3") == "3"
    assert kept == {3: "3"}
    assert kept.made(0, lambda: "zero") == "zero"
    assert len(kept) == 2
