"""Score predicted journey maps against gold cases, independently of the pipeline.

Everything is recomputed from the predicted map, the case's `gold.yaml` and the raw transcript files. None of
the pipeline's own grounding (turn indexes, offsets, grounding stats) is trusted, so a bug in ingest or
grounding shows up as fabricated quotes or missed matches instead of being scored as correct.

`gold` reads a case, `locate` finds quotes in the raw files, `metrics` and `diagnostics` score one part of a
map, `score` puts every metric of one run together, `report` writes summaries and tables, and `runner` runs
the systems over the cases (or re-scores maps saved by an earlier run).
"""
