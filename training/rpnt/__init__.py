"""RPNT: a strictly causal pretrained neural transformer for motor decoding (training side of rpntd)."""

__version__ = "1.0.0"
