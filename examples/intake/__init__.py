"""The intake example: unstructured customer messages to validated customer records."""
