"""Words: normalization, jieba tokens, the reviewed word lists (data/*.yaml), spelling and places."""
