"""The HTTP service: a thin FastAPI layer that validates requests, calls the library and maps errors to HTTP.

`app.py` builds the app; `routes/` has one module per resource; `deps.py` the callers (keys, owners, rate
limits); `jobs.py` the map jobs (bounded queue, deadlines, cancel, leases); `queue.py` the same jobs run by
`cjgen worker` processes through a task queue; `middleware.py` the body limit and
response headers; `schemas.py` the public request and response shapes. The library never imports FastAPI.
"""

from cjgen.service.app import create_app, run
from cjgen.service.deps import RateLimiter

__all__ = ["RateLimiter", "create_app", "run"]
