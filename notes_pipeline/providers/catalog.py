"""Every provider that a chain in providers.yaml may name, and the secrets each needs.

Each provider class declares `needs` itself: alternatives, each a tuple of `Secrets` fields that
must all be set (`()` for an offline provider), one line beside its one-line `name`. They are read
from the source, not by importing: the provider modules pull in SDKs that take seconds to load, and
the registry decides which providers are configured before it builds (and so imports) any of them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from dataclasses import dataclass
from importlib import resources

# The packages whose classes chains are made of; audit sinks and embedders are wired elsewhere.
PROVIDER_PACKAGES = ("llm", "tts", "images")

Needs = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ProviderDeclaration:
    name: str
    needs: Needs
    module: str  # e.g. "tts/google.py"
    class_name: str

    @property
    def offline(self) -> bool:
        return not self.needs

    def load(self) -> type:
        """The class itself (imports its module, and so its SDK)."""
        module = importlib.import_module(
            "notes_pipeline.providers." + self.module.removesuffix(".py").replace("/", ".")
        )
        return getattr(module, self.class_name)


class ProviderDeclarationError(ValueError):
    """A provider class declares `needs` in a way the catalogue cannot read; names the module and class."""


@functools.cache
def declared_providers() -> dict[str, ProviderDeclaration]:
    """Provider name -> its declaration, for every class under PROVIDER_PACKAGES that has `needs`."""
    root = resources.files("notes_pipeline.providers")
    found: dict[str, ProviderDeclaration] = {}
    for package in PROVIDER_PACKAGES:
        for entry in sorted(root.joinpath(package).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".py"):
                continue
            module, source = f"{package}/{entry.name}", entry.read_text(encoding="utf-8")
            for declaration in _declarations(module, source):
                other = found.setdefault(declaration.name, declaration)
                if other is not declaration:
                    raise ProviderDeclarationError(
                        f"provider {declaration.name!r} is declared twice: in {other.module} and {module}"
                    )
    return found


_CLASS = re.compile(r"^class (\w+)", re.MULTILINE)
_ATTRIBUTE = re.compile(r"^    (name|needs) = (.+)$", re.MULTILINE)


def _declarations(module: str, source: str) -> list[ProviderDeclaration]:
    """The classes with a one-line `needs = ...` beside their one-line `name = "..."`."""
    declarations = []
    starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(source)]
    for index, (start, cls) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(source)
        attributes = {m.group(1): m.group(2) for m in _ATTRIBUTE.finditer(source, start, end)}
        if "needs" not in attributes:
            continue
        where = f"{module} class {cls}"
        try:
            name, needs = ast.literal_eval(attributes["name"]), ast.literal_eval(attributes["needs"])
        except (KeyError, ValueError, SyntaxError) as err:
            raise ProviderDeclarationError(f"{where}: `name` and `needs` must be one-line literals ({err!r})") from None
        if not isinstance(name, str) or not _is_needs(needs):
            raise ProviderDeclarationError(
                f"{where}: `name` must be a string and `needs` a tuple of tuples of "
                f'secret fields, e.g. needs = (("x_api_key",),)'
            )
        declarations.append(ProviderDeclaration(name, needs, module, cls))
    return declarations


def _is_needs(value: object) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(option, tuple) and option and all(isinstance(f, str) and f for f in option) for option in value
    )
