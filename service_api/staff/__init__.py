"""The staff console: server-rendered pages for hotline agents, dispatchers, handlers and reviewers."""
