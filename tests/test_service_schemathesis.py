"""Property-based requests over the whole OpenAPI schema (schemathesis, in process): no answer is a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from cjgen.pipeline import open_runtime
from cjgen.service import create_app
from cjgen.settings import Settings
from cjgen.store import Store
from schema_answers import scripted_model

_settings = Settings(
    rate_limit_per_minute=0,
    concurrency=1,
    max_reasks=1,
    job_workers=1,
    job_queue=10_000,
    summarize_queue=10_000,
)
app = create_app(
    _settings,
    runtime_factory=lambda: open_runtime(model=scripted_model(), settings=_settings, use_cache=False),
    store=Store("sqlite://"),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
