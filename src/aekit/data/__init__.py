"""Data: strict readers, named sources with verified downloads, stored scaling."""

from aekit.data.formats import read_idx
from aekit.data.scaling import Scaling, fit_scaling
from aekit.data.sources import Dataset, known_sources, load_source

__all__ = ["Dataset", "Scaling", "fit_scaling", "known_sources", "load_source", "read_idx"]
