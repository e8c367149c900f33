"""LaTeX as people write it in notes, turned into what we can draw.

matplotlib's mathtext draws a large subset of TeX maths without a TeX installation, but not
environments (`aligned`, `cases`), `\\text`, `\\operatorname`, `\\left.` and friends. `to_mathtext`
rewrites the common ones into its dialect, one string per line of the formula, and checks each
line with mathtext's own parser; when a line still does not parse, the caller draws `readable`
instead: the formula as plain Unicode text (α, ∑, x², a/b), never raw source with `$` or
backslashes.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]+\}(?:\{[^}]*\})?")
_LINE_BREAK = re.compile(r"\\\\(?:\[[^\]]*\])?")
_TEXT_COMMAND = re.compile(r"\\(?:text|textrm|textit|textbf|mbox|operatorname\*?|mathrm)\s*\{([^{}]*)\}")
_SIZING = re.compile(
    r"\\(?:[bB]igg?[lrm]?|displaystyle|textstyle|scriptstyle|limits|nolimits|nonumber|notag)"
    r"(?![a-zA-Z])"
)
_RENAMED = {
    r"\dfrac": r"\frac",
    r"\tfrac": r"\frac",
    r"\lVert": r"\Vert",
    r"\rVert": r"\Vert",
    r"\lvert": "|",
    r"\rvert": "|",
    r"\coloneqq": ":=",
    r"\eqqcolon": "=:",
    r"\mid": "|",
    r"\left.": r"\left.",
    r"\vcentcolon": ":",
    r"\tag": r"\quad",
}

_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "oint": "∮",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "∼",
    "equiv": "≡",
    "propto": "∝",
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "mp": "∓",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "leftrightarrow": "↔",
    "Leftrightarrow": "⇔",
    "implies": "⇒",
    "iff": "⇔",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "supset": "⊃",
    "cup": "∪",
    "cap": "∩",
    "emptyset": "∅",
    "forall": "∀",
    "exists": "∃",
    "neg": "¬",
    "land": "∧",
    "lor": "∨",
    "wedge": "∧",
    "vee": "∨",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "vdots": "⋮",
    "ddots": "⋱",
    "circ": "∘",
    "ell": "ℓ",
    "hbar": "ℏ",
    "Re": "ℜ",
    "Im": "ℑ",
    "langle": "⟨",
    "rangle": "⟩",
    "Vert": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "vert": "|",
    "mid": "|",
    "perp": "⊥",
    "parallel": "∥",
    "angle": "∠",
    "degree": "°",
    "quad": "  ",
    "qquad": "    ",
    "prime": "′",
    "star": "⋆",
    "ast": "∗",
    "top": "⊤",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "max": "max",
    "min": "min",
    "arg": "arg",
    "lim": "lim",
    "det": "det",
    "sup": "sup",
    "inf": "inf",
}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_SUPERSCRIPT = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"
# matplotlib's mathtext parser (pyparsing underneath) is not safe to share between threads; scenes are drawn
# in parallel, so every use of it holds this lock.
MATHTEXT_LOCK = threading.Lock()


def formula_lines(latex: str) -> list[str]:
    """The formula's lines: environments dropped, alignment marks removed, split at `\\\\`."""
    body = _ENVIRONMENT.sub("", latex.strip().strip("$"))
    lines = [" ".join(line.replace("&", " ").split()) for line in _LINE_BREAK.split(body)]
    return [line for line in lines if line]


def _mathtext_dialect(line: str) -> str:
    line = _TEXT_COMMAND.sub(lambda m: r"\mathrm{" + m.group(1).replace(" ", r"\ ") + "}", line)
    line = _SIZING.sub("", line)
    for old, new in _RENAMED.items():
        line = line.replace(old, new)
    return re.sub(r"\\mathbb\{([A-Za-z])\}", lambda m: _BLACKBOARD.get(m.group(1), m.group(1)), line)


@lru_cache(maxsize=512)
def parses(mathtext: str) -> bool:
    """True when matplotlib's mathtext can lay out `mathtext` (a `$…$` string)."""
    from matplotlib.mathtext import MathTextParser

    try:
        with MATHTEXT_LOCK:
            MathTextParser("path").parse(mathtext, dpi=72)
    except (ValueError, RuntimeError, KeyError, IndexError):
        return False
    return True


def to_mathtext(latex: str) -> list[str] | None:
    """One `$…$` string per line that mathtext draws, or None when any line is beyond it."""
    lines = [f"${_mathtext_dialect(line)}$" for line in formula_lines(latex)]
    return lines if lines and all(parses(line) for line in lines) else None


def _script(text: str, table: dict[int, int], mark: str) -> str:
    translated = text.translate(table)
    if all(ord(ch) in table.values() for ch in translated if not ch.isspace()) and translated.strip():
        return translated
    return f"{mark}({text})" if len(text) > 1 else f"{mark}{text}"


def _operand(text: str) -> str:
    return text if re.fullmatch(r"\w+", text.strip()) else f"({text})"


def readable(latex: str) -> str:
    """The formula as plain text a reader understands: Unicode symbols, no `$`, braces or backslashes."""
    text = " ⏎ ".join(formula_lines(latex)) or latex
    text = _TEXT_COMMAND.sub(r"\1", text)
    text = _SIZING.sub("", text)
    text = re.sub(r"\\mathbb\{([A-Za-z])\}", lambda m: _BLACKBOARD.get(m.group(1), m.group(1)), text)
    for _ in range(3):  # nested fractions and roots, innermost first
        text = re.sub(
            r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP,
            lambda m: f"{_operand(m.group(1))}/{_operand(m.group(2))}",
            text,
        )
        text = re.sub(r"\\sqrt\s*" + _GROUP, r"√(\1)", text)
    text = re.sub(r"\\(?:left|right)\s*([()\[\]|.]|\\[{}])", lambda m: "" if m.group(1) == "." else m.group(1), text)
    text = re.sub(
        r"\\([{}%$&#_ ,;:!])", lambda m: " " if m.group(1) in ",;: " else "" if m.group(1) == "!" else m.group(1), text
    )
    text = re.sub(
        r"\\(?:mathbf|mathit|mathcal|mathsf|boldsymbol|bm|hat|bar|vec|tilde|overline|underline|"
        r"mathrm|mathfrak|widehat|widetilde|dot|ddot)\s*" + _GROUP,
        r"\1",
        text,
    )
    text = re.sub(r"\\([a-zA-Z]+)", lambda m: _SYMBOLS.get(m.group(1), m.group(1) + " "), text)
    text = re.sub(r"\^\s*" + _GROUP, lambda m: _script(m.group(1), _SUPERSCRIPT, "^"), text)
    text = re.sub(r"_\s*" + _GROUP, lambda m: _script(m.group(1), _SUBSCRIPT, "_"), text)
    text = re.sub(r"\^(\w)", lambda m: _script(m.group(1), _SUPERSCRIPT, "^"), text)
    text = re.sub(r"_(\d)", lambda m: _script(m.group(1), _SUBSCRIPT, "_"), text)
    text = text.replace("{", "").replace("}", "").replace("\\", "").replace("$", "").replace("⏎", "\n")
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


_INLINE = re.compile(r"(?<![\\$\w])\$(?!\s)([^$\n]{1,200}?)(?<![\s\\])\$(?!\w)|\\\((.+?)\\\)")


def plain_math(text: str) -> str:
    """`text` with every inline formula (`$p(z)$`, `\\(x\\)`) written as readable text, for slides."""
    if "$" not in text and "\\(" not in text:
        return text
    return _INLINE.sub(lambda m: readable(m.group(1) or m.group(2)).replace("\n", " "), text)
