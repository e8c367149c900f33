"""How long a narrator takes to say a text: the writers hold narration to its target with this, not words/minute.

Words per minute is a poor clock: eSpeak NG says "the 1998 ANSI standard" in far more time
than five short words, pauses at every comma and full stop, and spells abbreviations letter by
letter. This model counts what the voice actually spends time on — syllables (numbers spelled
out, abbreviations as letters), words, short pauses (, ; : –) and sentence ends — and turns
them into seconds with constants fitted on real synthesis (`python -m benchmarks.speaking_rate`).
Pure Python: writers call it per sentence, thousands of times, without a synthesiser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel

# The rate the offline narrator speaks at (EspeakNarrator's default words_per_minute).
ESPEAK_RATE = 160


class SpeechCounts(BaseModel):
    """What a voice spends time on in one text."""

    syllables: float = 0.0
    words: int = 0
    pauses: int = 0  # commas, semicolons, colons, dashes, brackets
    stops: int = 0  # sentence ends


@dataclass(frozen=True)
class SpeakingRate:
    """Seconds = clip + per_syllable·syllables + per_word·words + per_pause·pauses + per_stop·stops, at `rate`.

    `clip_s` is what every synthesised clip carries besides speech (lead-in, the narrator's tail
    silence); it is counted once per scene, not per sentence.
    """

    per_syllable: float
    per_word: float
    per_pause: float
    per_stop: float
    clip_s: float
    rate: int = ESPEAK_RATE

    def at_rate(self, rate: int) -> SpeakingRate:
        """The same voice asked for another words-per-minute: speech time scales inversely, the clip does not."""
        k = self.rate / rate
        return SpeakingRate(
            self.per_syllable * k, self.per_word * k, self.per_pause * k, self.per_stop * k, self.clip_s, rate
        )

    def speech_seconds(self, text: str, language: str = "en") -> float:
        """Time to say `text`, without the per-clip overhead: additive over a scene's sentences."""
        c = counts(text, language)
        return (
            self.per_syllable * c.syllables
            + self.per_word * c.words
            + self.per_pause * c.pauses
            + self.per_stop * c.stops
        )

    def clip_seconds(self, text: str, language: str = "en") -> float:
        """Length of one narrated clip (one scene) of `text`, as the narrator renders it."""
        return self.clip_s + self.speech_seconds(text, language) if text.strip() else 0.0

    def words_per_minute(self, text: str, language: str = "en") -> float:
        """The rate this voice really speaks `text` at, in words per minute (for prompts to an LLM)."""
        seconds = self.speech_seconds(text, language)
        words = len(text.split())
        return 60 * words / seconds if seconds > 0 and words else float(self.rate)


# Fitted on eSpeak NG 1.52 (espeakng-loader 0.2.4) at 160 wpm through EspeakNarrator (tail 0.35 s):
# `python -m benchmarks.speaking_rate` synthesised every scene narration the local writer writes for the
# corpus plus each of their sentences alone, and fitted these by least squares on half of the documents
# (held-out error printed by the same command and recorded in benchmarks/RESULTS.md).
# Languages without their own fit use English's constants with their script's syllable count.
ESPEAK = {
    "en": SpeakingRate(per_syllable=0.1704, per_word=0.0408, per_pause=0.3004, per_stop=0.5141, clip_s=0.1491),
    # Hindi and Urdu: one document each to fit on (15 and 11 clips), one each held out; rougher than English.
    "hi": SpeakingRate(per_syllable=0.1622, per_word=0.0, per_pause=0.2163, per_stop=0.2582, clip_s=0.1475),
    "ur": SpeakingRate(per_syllable=0.142, per_word=0.0, per_pause=0.5281, per_stop=0.4759, clip_s=0.6382),
}


def espeak_rate(language: str, rate: int = ESPEAK_RATE) -> SpeakingRate:
    """The calibrated model of eSpeak NG for `language` at `rate` words per minute."""
    model = ESPEAK.get(language, ESPEAK["en"])
    return model if rate == model.rate else model.at_rate(rate)


_TOKEN = re.compile(r"[^\s]+")
_PAUSE = re.compile(r"[,;:()\u2013\u2014\u060c]| - ")
_STOP = re.compile(r"[.!?\u0964\u06d4]+(?=\s|$|[\"')\]])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ENGLISH_VOWELS = re.compile(r"[aeiouy]+", re.IGNORECASE)
_LETTER_SYLLABLES = {"w": 3}  # "double-u"; every other letter is one syllable said alone
_SYMBOL_SYLLABLES = {"%": 2, "&": 1, "+": 1, "=": 2, "@": 1, "#": 1, "°": 2, "/": 1, "×": 1, "<": 3, ">": 3}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """`n` in English words as a voice says it ("1998" the way years are said: nineteen ninety-eight)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if 1100 <= n <= 2099 and n % 100 and n // 100 != 20:  # a year: "nineteen ninety-eight"
        return number_words(n // 100) + " " + number_words(n % 100)
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{number_words(n // size)} {name}" + (f" {number_words(rest)}" if rest else "")
    return str(n)


def _english_syllables(word: str) -> float:
    lower = word.lower()
    groups = len(_ENGLISH_VOWELS.findall(lower))
    if lower.endswith("e") and not lower.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1  # a silent final e
    return float(max(1, groups))


def _number_syllables(digits: str) -> float:
    parts = re.split(r"[.,]", digits)
    if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):  # 1,000,000 is one number
        parts = ["".join(parts)]
    total = 0.0
    for i, part in enumerate(parts):
        if i:
            total += 1  # "point"
        value = int(part) if len(part) < 13 else None
        if value is None or (i and len(part) > 1):  # long digit runs and decimals are said digit by digit
            total += sum(_english_syllables(_ONES[int(d)]) for d in part)
        else:
            total += sum(_english_syllables(w) for w in number_words(value).split())
    return total


def _script_syllables(word: str) -> float | None:
    """Syllables of a word in an Indic or Arabic script (akshara / letter based), None for Latin."""
    devanagari = sum(1 for ch in word if "\u0900" <= ch <= "\u097f")
    if devanagari:
        # Each consonant or independent vowel starts an akshara; a virama joins two consonants into one.
        starts = sum(1 for ch in word if "\u0904" <= ch <= "\u0939" or "\u0958" <= ch <= "\u0961")
        return float(max(1, starts - word.count("\u094d")))
    arabic = sum(1 for ch in word if "\u0600" <= ch <= "\u06ff" and unicodedata.category(ch).startswith("L"))
    if arabic:
        return max(1.0, arabic * 0.6)  # short vowels are unwritten: about three syllables per five letters
    return None


def word_syllables(token: str) -> float:
    """Syllables a voice says for one whitespace-separated token: numbers spelled, abbreviations lettered."""
    if (script := _script_syllables(token)) is not None:  # vowel signs and viramas belong to the whole word
        return script + sum(_number_syllables(d) for d in re.findall(r"\d+", token))
    # "irc.libera.chat" is said with its dots; a full stop or comma after a word is a pause, counted elsewhere.
    total = float(len(re.findall(r"(?<=\w)[.@/](?=\w)", token)))
    pieces = []
    for piece in re.findall(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[%&+=@#°/×<>]", token):
        # CamelCase is said in its parts, and an abbreviation inside it letter by letter ("GeoJSON", "PyYAML").
        parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[^\W\d_]+", piece) if piece.isascii() else []
        pieces += parts if len(parts) > 1 else [piece]
    for piece in pieces:
        if piece[0].isdigit():
            total += _number_syllables(piece)
        elif piece in _SYMBOL_SYLLABLES:
            total += _SYMBOL_SYLLABLES[piece]
        elif piece.isupper() and 1 < len(piece) <= 5:  # an abbreviation: "HTTP" is said letter by letter
            total += sum(_LETTER_SYLLABLES.get(ch.lower(), 1) for ch in piece)
        else:
            total += _english_syllables(piece)
    return total


def counts(text: str, language: str = "en") -> SpeechCounts:
    """Syllables, words, pauses and sentence ends of `text` as spoken."""
    tokens = _TOKEN.findall(text)
    return SpeechCounts(
        syllables=sum(word_syllables(t) for t in tokens),
        words=len(tokens),
        pauses=len(_PAUSE.findall(text)),
        stops=max(1, len(_STOP.findall(text))) if tokens else 0,
    )
