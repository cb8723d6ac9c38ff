"""cjgen: draft customer journey maps from a brief and interview transcripts, every quote verified."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cjgen")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

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
