"""The reviewer's figures: indicators, the per-day rollup and durations, aggregated in the database."""
