"""Support code shared by test modules in several folders (import it as ``tests.support.NAME``)."""
