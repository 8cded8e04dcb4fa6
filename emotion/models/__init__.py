"""The model families; each module holds one classifier class."""
