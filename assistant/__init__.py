"""政策问答助手 — authoritative, cited answers over 财政事权和支出责任划分 plans."""

__version__ = "0.1.0"
