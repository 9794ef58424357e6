"""The help desk: the question log, the admin page, WeChat/WeCom channels, labelled exports."""
