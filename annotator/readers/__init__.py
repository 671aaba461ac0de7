"""Readers: one module per input family. Each returns a ReadResult of normalized alterations."""
