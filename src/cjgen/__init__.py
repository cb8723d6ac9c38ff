"""cjgen: draft customer journey maps from a brief and interview transcripts, every quote verified."""

from cjgen.participants import Participant, load_participants
from cjgen.pipeline import (
    draft_map,
    draft_map_from_file,
    generate_map,
    generate_map_from_files,
    open_runtime,
    summarize_file,
    summarize_transcript,
)
from cjgen.version import __version__

__all__ = [
    "Participant",
    "__version__",
    "draft_map",
    "draft_map_from_file",
    "generate_map",
    "generate_map_from_files",
    "load_participants",
    "open_runtime",
    "summarize_file",
    "summarize_transcript",
]
