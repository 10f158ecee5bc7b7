"""Reference data loaded into the database: the matter directory, departments, gazetteer, working calendar."""
