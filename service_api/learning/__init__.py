"""Learning from the platform itself: staff decisions become labelled examples; retrain, promote, roll back.

- `labels`: every case staff dispatched (the matter kept or corrected) or rejected as out of scope leaves one row
  in `intake_labels`, with where it came from (confirmed / corrected with the reason / rejected).
- `loop`: `flask intake retrain | models | rollback` and the beat job (`INTAKE_RETRAIN_CRON`) hand those labels,
  oldest first, to `intake.classify.retrain`, which trains a candidate and promotes it only when it is not worse.
- `accuracy`: the weekly live accuracy of automatic classification for the stats page.
"""
