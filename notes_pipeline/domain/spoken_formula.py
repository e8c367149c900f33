"""Short formulas and code said in words: `x^2` is "x squared", `$$` is "two dollar signs".

A sentence that carries a formula or a bit of code was dropped whole, with every term it taught.
When the formula is short and plain (powers, fractions, Greek letters, comparisons) or the code is
a name or a few symbols, the sentence can be said with it in words instead; anything longer or
stranger returns None and stays on the slide, never read out as "backslash frac open brace".
"""

from __future__ import annotations

import re

MAX_WORDS = 14  # longer than this a formula is shown, not said

_GREEK = {
    g: g
    for g in (
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "phi",
        "chi",
        "psi",
        "omega",
    )
}
_GREEK |= {
    "varepsilon": "epsilon",
    "vartheta": "theta",
    "varphi": "phi",
    "ell": "l",
    "Sigma": "sigma",
    "Delta": "delta",
    "Gamma": "gamma",
    "Omega": "omega",
    "Theta": "theta",
    "Phi": "phi",
    "Pi": "pi",
    "Lambda": "lambda",
}
_SYMBOLS = {
    "cdot": "times",
    "times": "times",
    "le": "is at most",
    "leq": "is at most",
    "ge": "is at least",
    "geq": "is at least",
    "ne": "is not equal to",
    "neq": "is not equal to",
    "approx": "is about",
    "to": "goes to",
    "rightarrow": "goes to",
    "in": "in",
    "infty": "infinity",
    "pm": "plus or minus",
    "propto": "is proportional to",
    "sim": "is distributed as",
    "mid": "given",
    "partial": "partial",
    "nabla": "the gradient of",
    "log": "log",
    "ln": "natural log",
    "exp": "exp",
    "sin": "sine",
    "cos": "cosine",
    "tan": "tangent",
    "max": "max",
    "min": "min",
    "sum": "the sum of",
    "prod": "the product of",
    "int": "the integral of",
    "lim": "the limit of",
    "ldots": "and so on",
    "dots": "and so on",
    "cdots": "and so on",
    "top": "transposed",
    "%": "percent",
    ",": "",
    ";": "",
    "!": "",
    " ": "",
    "quad": "",
}
_WRAPPERS = {
    "mathbf",
    "mathrm",
    "mathit",
    "boldsymbol",
    "text",
    "textrm",
    "textbf",
    "operatorname",
    "mathcal",
    "mathbb",
    "left",
    "right",
    "big",
    "Big",
    "displaystyle",
}
_ACCENTS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "vec": "vector", "dot": "dot"}
_OPERATORS = {
    "=": "equals",
    "+": "plus",
    "-": "minus",
    "<": "is less than",
    ">": "is greater than",
    "/": "over",
    "*": "times",
    ",": ",",
    "!": "factorial",
    "'": "prime",
    "|": "",
    "(": "",
    ")": "",
    "[": "",
    "]": "",
}
_BIG_OPERATORS = {"the sum of", "the product of", "the integral of", "the limit of"}
_POWERS = {"2": "squared", "3": "cubed", "-1": "inverse", "T": "transposed", "\\top": "transposed"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|[{}^_=+\-<>/*,!'|()\[\]]|\s+|.")


class _Unsayable(Exception):
    pass


class _Reader:
    def __init__(self, latex: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(latex) if not t.isspace()]
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        if self.i >= len(self.tokens):
            raise _Unsayable
        self.i += 1
        return self.tokens[self.i - 1]

    def group(self) -> str:
        """A braced group or a single atom, as words."""
        if self.peek() == "{":
            self.take()
            words = self.sequence(until="}")
            self.take()
            return words
        return self.atom()

    def atom(self) -> str:
        token = self.take()
        if re.fullmatch(r"\d+(?:\.\d+)?|[A-Za-z]", token):
            return token
        if token == "{":
            self.i -= 1
            return self.group()
        if token.startswith("\\"):
            name = token[1:]
            if name in _GREEK:
                return _GREEK[name]
            if name == "frac":
                top, bottom = self.group(), self.group()
                return f"{top} over {bottom}"
            if name == "sqrt":
                return f"the square root of {self.group()}"
            if name in _ACCENTS:
                return f"{self.group()} {_ACCENTS[name]}"
            if name in _WRAPPERS:
                return self.group() if self.peek() == "{" else ""
            if name in _SYMBOLS:
                return _SYMBOLS[name]
        if token in _OPERATORS:
            return _OPERATORS[token]
        raise _Unsayable

    def sequence(self, until: str | None = None) -> str:
        words: list[str] = []
        big = -1  # index of a sum, product, integral or limit whose bounds may follow
        while self.peek() is not None and self.peek() != until:
            if big == len(words) - 1 >= 0 and self.peek() in ("_", "^"):  # \sum_{i=1}^n: the sum from i = 1 to n of
                bound = "from" if self.take() == "_" else "to"
                words[big] = f"{words[big].removesuffix(' of')} {bound} {self.group()} of"
                continue
            if self.peek() == "(" and words and re.fullmatch(r"[A-Za-z]|[a-z]+", words[-1] or ""):
                self.take()
                words.append("of")  # f(x): f of x
                continue
            if self.peek() == "^":
                self.take()
                raw = self.tokens[self.i] if self.peek() != "{" else "".join(self.tokens[self.i + 1 : self.i + 3])
                power = self.group()
                said = _POWERS.get(raw if raw in _POWERS else power)
                words.append(said or f"to the power {power}")
            elif self.peek() == "_":
                self.take()
                words.append(f"sub {self.group()}")
            else:
                words.append(self.atom())
                if words[-1] in _BIG_OPERATORS:
                    big = len(words) - 1
        return " ".join(w for w in words if w)


def spoken_formula(latex: str) -> str | None:
    """A short LaTeX formula in words ('x^2 + 1' -> 'x squared plus 1'); None when it should only be shown."""
    body = latex.strip().strip("$").strip()
    if not body or "\\begin" in body or "&" in body or "\\\\" in body:
        return None
    try:
        reader = _Reader(body)
        words = reader.sequence()
    except (_Unsayable, IndexError):
        return None
    words = re.sub(r"\s+", " ", re.sub(r"\s+,", ",", words)).strip(" ,")
    if not words or len(words.split()) > MAX_WORDS or re.search(r"[\\{}^_$]", words):
        return None
    return words


_SYMBOL_NAMES = {
    "$": "dollar sign",
    "#": "hash sign",
    "*": "asterisk",
    "|": "pipe",
    "~": "tilde",
    "`": "backtick",
    ">": "greater-than sign",
    "<": "less-than sign",
    "=": "equals sign",
    "-": "hyphen",
    "_": "underscore",
    "\\": "backslash",
    "/": "slash",
    "%": "percent sign",
    "@": "at sign",
    "&": "ampersand",
    "^": "caret",
    "+": "plus sign",
    ":": "colon",
    "!": "exclamation mark",
    "[": "opening bracket",
    "]": "closing bracket",
    "{": "opening brace",
    "}": "closing brace",
}
_COUNTS = {2: "two", 3: "three", 4: "four"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+){0,3}")
_FILE_WITH_SPACES = re.compile(r"[A-Za-z][\w' -]{0,40}\.[A-Za-z]{1,4}")  # `Path to file.md`
_WIKILINK_CODE = re.compile(r"(!?)\[\[([\w' -]{1,40})(?:([#|^])([\w' -]{1,30}))?\]\]")
_WIKILINK_PARTS = {"#": "hash", "|": "pipe", "^": "caret"}
_FLAG = re.compile(r"(?P<dashes>--?)(?P<name>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+){0,4})")  # `--with-libyaml`
_CALL = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+){0,3})\(\)")  # `Plugin.Latex()`
_PATH = re.compile(r"\.{0,2}/?(?:[\w.-]+/){1,6}(?P<file>[A-Za-z][\w-]*\.[A-Za-z0-9]{1,5})")  # `a/b/latex.ts`
_SETTING = re.compile(
    r"(?P<key>[A-Za-z][A-Za-z0-9_]{0,30})\s*(?P<sign>[:=])\s*(?P<value>true|false|null|none|\d+|[A-Za-z]+)"
)


def spoken_code(code: str) -> str | None:
    """Inline code said in words when it is short: symbols by name, a file or identifier by its parts, math."""
    code = code.strip()
    if not code:
        return None
    if len(code) >= 2 and code[0] == code[-1] == "$" and (said := spoken_formula(code)):
        return said
    if len(set(code)) == 1 and code[0] in _SYMBOL_NAMES and len(code) <= 4:  # `$$`, `|`, `***`
        name = _SYMBOL_NAMES[code[0]]
        # No article: the notes say "a single `$`", "more than one `$`" themselves.
        return name if len(code) == 1 else f"{_COUNTS[len(code)]} {name}s"
    if len(code) == 2 and code[0] == "\\" and code[1] in _SYMBOL_NAMES:  # an escape: `\$`
        return f"backslash {_SYMBOL_NAMES[code[1]]}"
    if flag := _FLAG.fullmatch(code):  # a command-line option, as people read it out
        return ("dash dash " if flag.group("dashes") == "--" else "dash ") + flag.group("name").replace("-", " ")
    if call := _CALL.fullmatch(code):  # a call without arguments is said by its name
        code = call.group("name")
    if path := _PATH.fullmatch(code):  # a path by its file: the picture shows the folders
        code = path.group("file")
    if _NAME.fullmatch(code):  # `quartz.config.ts`, `render_engine`, `Plugin.Latex`
        return re.sub(r"[._-]", lambda m: {".": " dot ", "_": " ", "-": " "}[m.group()], code)
    if setting := _SETTING.fullmatch(code):  # `callouts: false`, `disableAliases = true`
        sign = " equals " if setting.group("sign") == "=" else " "
        return f"{spoken_code(setting.group('key'))}{sign}{setting.group('value')}"
    if _FILE_WITH_SPACES.fullmatch(code):
        stem, extension = code.rsplit(".", 1)
        return f"{stem} dot {extension}"
    if link := _WIKILINK_CODE.fullmatch(code):  # Obsidian syntax explained: `[[Path to file#Anchor]]`
        bang, target, mark, rest = link.groups()
        inner = target + (f" {_WIKILINK_PARTS[mark]} {rest}" if mark else "")
        return ("an exclamation mark and " if bang else "") + f"{inner} in double square brackets"
    return None


_ECHO = re.compile(r"(\w+)(\s+)`([^`\s\w]{1,4})`")


def without_echoed_symbols(text: str) -> str:
    """Drop code that only shows the symbol the word before it names: "pipes `|`" is said "pipes", once."""

    def drop(match: re.Match) -> str:
        word, code = match.group(1).lower(), match.group(3)
        name = _SYMBOL_NAMES.get(code[0], "") if len(set(code)) == 1 else ""
        last = name.split()[-1] if name else ""
        return match.group(1) if last and word.rstrip("s") == last.rstrip("s") else match.group()

    return _ECHO.sub(drop, text)
