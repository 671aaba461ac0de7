"""ctdna-annotator: bypass-resistance annotation of ctDNA results in TKI-treated NSCLC."""

__version__ = "0.1.0"
