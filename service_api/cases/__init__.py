"""Cases: the workflow, intake runs (classify, geocode, merge or create, route), staff queries, desk corrections."""
