"""Readers: one module or package per input family. Each returns a ReadResult of normalized alterations."""
