"""Exports of trained models to faster runtimes."""
