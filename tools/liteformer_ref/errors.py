"""Errors raised by the reference package.

A model directory that is wrong in any way (config.json, model.safetensors, a
dictionary) is reported with one exception type whose message names the file and
the field or tensor, so a user can fix the file without reading a traceback.
"""


class ModelFormatError(ValueError):
    """A model file is missing, corrupt, or disagrees with config.json."""
