"""What `make bench` measures: store sizes, batch sizes and loaders, parsed and checked.

No third-party imports, so the tests can check the plan without the load extra.
"""

from __future__ import annotations

import itertools

LOADERS = ("python", "wrk")
DEFAULT_BATCH_SIZES = "1,10,100,1000"
DEFAULT_STORE_SIZES = "0"
# A default server lets one credential hold half of its 384 MiB work budget, each JSON body
# charged 16 times its length: about ten 1,000-statement bodies (1.2 MB) at once. More are
# refused with 503 (fair shares, issue 9), so large batches are sent on fewer connections.
DEFAULT_MAX_STATEMENTS_IN_FLIGHT = 8_000


class PlanError(ValueError):
    """A bench option that cannot be measured as given."""


def _numbers(text: str, what: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise PlanError(f"{what} must be whole numbers separated by commas, not {text!r}") from None


def store_sizes(text: str) -> list[int]:
    """`0,1000000,10000000`: ascending store sizes, each filled on from the one before."""
    sizes = _numbers(text, "store sizes")
    if not sizes:
        raise PlanError("give at least one store size (0: an empty store)")
    if sizes[0] < 0 or any(b <= a for a, b in itertools.pairwise(sizes)):
        raise PlanError(f"store sizes must be >= 0 and ascending (one store grows), not {text!r}")
    return sizes


def batch_sizes(text: str) -> list[int]:
    """`1,10,100,1000`: statements per POST, each measured at every store size."""
    sizes = _numbers(text, "batch sizes")
    if not sizes or min(sizes) < 1:
        raise PlanError(f"batch sizes must be at least 1, not {text!r}")
    return sizes


def choose_loaders(requested: str | None, wrk_found: bool) -> tuple[list[str], str]:
    """The loaders to run and a note to print (empty when there is nothing to say).

    Without a request: both when `wrk` is installed, else the Python loader alone.
    """
    if requested is None:
        if wrk_found:
            return list(LOADERS), ""
        return ["python"], (
            "note: wrk is not installed (`make bench` installs Debian's wrk), so only the "
            "Python loader runs; it takes about half of a 2-core machine from the server"
        )
    if requested == "both":
        loaders = list(LOADERS)
    elif requested in LOADERS:
        loaders = [requested]
    else:
        raise PlanError(f"--loader is wrk, python or both, not {requested!r}")
    if "wrk" in loaders and not wrk_found:
        raise PlanError("--loader wrk needs wrk on PATH (`make bench` installs Debian's wrk)")
    return loaders, ""


def fill_to(size: int, stored: int) -> int:
    """Statements to preload so that a store holding `stored` holds at least `size`.

    The bench's own ingest adds statements between sizes, so the next fill is smaller by
    what was ingested; a store already past `size` gets none.
    """
    return max(0, size - stored)


def connections(batch: int, concurrency: int, max_statements: int) -> int:
    """Connections for `batch`: `concurrency`, fewer when that would exceed `max_statements`."""
    return max(1, min(concurrency, max_statements // batch))
