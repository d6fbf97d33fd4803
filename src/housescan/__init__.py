"""HouseScan: photos of a home in, an inspection report out."""

__version__ = "0.1.0"
