"""The document side: parse a pasted plan, compile its rule sentences, store and load the rules."""
