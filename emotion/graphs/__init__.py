"""ONNX graphs of torch encoders: lean export graphs, export with int8 quantisation, and the cache of exported files.

This floor stands below :mod:`emotion.models`: it takes a torch module and a tokenizer, never a model class, so a
model can build its own graph on first use without calling up into training or the exporters.
"""
