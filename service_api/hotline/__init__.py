"""The hotline agent's work: calls logged as reports or queries, and the callbacks they owe."""
