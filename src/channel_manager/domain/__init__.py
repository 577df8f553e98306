"""The pure domain core: attrs entities, value objects and policies.

Imports nothing outside the standard library and attrs (a unit test enforces it). Import names
from the module that defines them (``channel_manager.domain.reservation`` and so on).
"""
