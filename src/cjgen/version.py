"""The installed version of cjgen (its own module, so that any step can read it without the package's face)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cjgen")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
