"""Every error cjgen reports, in one catalogue: each says what is wrong and where in one line, and its
docstring says what it means and what the user can do. The CLI prints any of them as one line (exit code 2);
the service answers each with its own status (see `cjgen.service.errors`)."""

from __future__ import annotations


class CjgenError(Exception):
    """Base for every error cjgen reports to a user (the CLI prints it as one line, exit code 2)."""


class InputError(CjgenError):
    """A file, field or argument the user gave cannot be used. The message names it (`where`) and says what
    to change; nothing was run or saved."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class ModelError(CjgenError):
    """The model backend could not be reached, loaded or gave no usable answer. Check the endpoint, key and
    model name (or reinstall the embedded model); a run that failed this way may simply be tried again."""


class MapValidationError(CjgenError):
    """The model's answer kept failing validation after the allowed re-asks (`step` says where). A larger
    model, or `max_reasks`, may get through; the errors say what the answers lacked."""

    def __init__(self, step: str, errors: list[str], attempts: int) -> None:
        self.step = step
        self.errors = errors
        self.attempts = attempts
        shown = "; ".join(errors[:5])
        super().__init__(f"{step}: output still invalid after {attempts} attempt(s): {shown}")


class RunStopped(CjgenError):
    """The run was cancelled, or ran past its deadline, before it finished; nothing was saved. Run it again,
    with a longer deadline (`job_timeout_s`) if it timed out."""


class NotFound(CjgenError):
    """A map, map version or job id the store does not hold, or one that belongs to another owner. Check the
    id (list maps with `GET /v1/maps`)."""


class VersionConflict(CjgenError):
    """A change was based on a version of the map that is no longer the latest (someone else changed it).
    Reload the map, and make the change again on the latest version; nothing was lost."""

    def __init__(self, map_id: str, expected: int, latest: int) -> None:
        self.map_id = map_id
        self.expected = expected
        self.latest = latest
        super().__init__(f"map '{map_id}' is at version {latest}, not {expected}: reload it and review again")


class Busy(CjgenError):
    """The database stayed busy with other writers; nothing was written. Try again shortly."""


class Full(CjgenError):
    """No room for more work now (the job queue is full); nothing was queued. Try again after `retry_after`
    seconds."""

    def __init__(self, what: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"{what}; try again in {retry_after} s")
