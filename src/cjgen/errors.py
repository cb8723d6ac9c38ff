"""Errors a user can act on: each says what is wrong and where, in one line."""

from __future__ import annotations


class CjgenError(Exception):
    """Base for every error cjgen reports to a user (the CLI prints it as one line, exit code 2)."""


class InputError(CjgenError):
    """A file or argument the user gave cannot be used; the message names it and what to do."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class ModelError(CjgenError):
    """The model backend could not be reached, loaded or gave no usable answer."""


class MapValidationError(CjgenError):
    """The model's answer kept failing validation after the allowed re-asks."""

    def __init__(self, step: str, errors: list[str], attempts: int) -> None:
        self.step = step
        self.errors = errors
        self.attempts = attempts
        shown = "; ".join(errors[:5])
        super().__init__(f"{step}: output still invalid after {attempts} attempt(s): {shown}")
