"""The one exception family for mistakes in content, translations and configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One user mistake, located in a file: ``path:line: where: message``."""

    path: Path | str
    line: int | None
    message: str
    where: str = ""

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        if self.where:
            return f"{location}: {self.where}: {self.message}"
        return f"{location}: {self.message}"


def in_line_order(problems) -> list[Problem]:
    """Return ``problems`` in the order of their lines (those without a line first)."""
    return sorted(problems, key=lambda problem: problem.line or 0)


class LeafletError(Exception):
    """One or more user mistakes; the CLI prints them all and exits with 1."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self):
        # Worker processes send their problems back pickled (see workers.py).
        return (type(self), (self.problems,))

    @classmethod
    def at(cls, path, line, message, where="") -> LeafletError:
        """Return an error holding a single problem."""
        return cls([Problem(path, line, message, where)])


class ProblemCollector:
    """Gather problems from independent steps, then raise them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def run(self, step, *args, **kwargs):
        """Call ``step``; keep its problems and return ``None`` if it fails."""
        try:
            return step(*args, **kwargs)
        except LeafletError as error:
            self.extend(error.problems)
            return None

    def add(self, problem: Problem) -> None:
        """Keep ``problem``, once: outputs sharing a broken text report it once."""
        if problem not in self.problems:
            self.problems.append(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.add(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise LeafletError(self.problems)
