"""One router per resource: maps, reviews, jobs, transcripts, and meta (schema, health)."""
