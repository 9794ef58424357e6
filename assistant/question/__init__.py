"""The question side: frame the question, match it to matters, decide, compose the answer."""
